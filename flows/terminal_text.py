"""Text from documents, file names and rule names made safe to print to a terminal.

Such text is data: an escape sequence in it (ESC ] 0 ; ... BEL retitles the window, ESC [ 2 J clears
the screen) must be shown, never obeyed. Control characters are printed as Python-style escapes.
"""

from __future__ import annotations

_KEPT = {"\n", "\t"}
_CONTROLS = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
# Bidirectional overrides and isolates reorder what a reader sees (the "Trojan Source" trick).
_BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
_TABLE = str.maketrans(
    {c: f"\\x{ord(c):02x}" for c in _CONTROLS if c not in _KEPT} | {c: f"\\u{ord(c):04x}" for c in _BIDI}
)


def printable(text: object) -> str:
    """`text` as a string whose control characters are shown as escapes (newlines and tabs kept)."""
    return str(text).translate(_TABLE)
