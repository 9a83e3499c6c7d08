"""Writing outputs: atomic writes, diffs, report records, the run manifest and restore."""
