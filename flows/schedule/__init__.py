"""Scheduled runs: serving a Prefect deployment, the run history and trend alerts."""
