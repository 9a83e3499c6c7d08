"""boilerclean flows: I/O and orchestration around the pure cleaners."""
