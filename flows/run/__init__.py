"""A cleaning run: the run itself, its batches, where they go, the worker side and the Prefect flow."""
