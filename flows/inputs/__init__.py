"""Reading inputs: finding them, reading their bytes, decoding text and extracting pages."""
