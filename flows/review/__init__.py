"""Reviewing a finished run: its data, the HTML pages, the terminal view and Prefect artifacts."""
