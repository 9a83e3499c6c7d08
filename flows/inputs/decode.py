"""Decoding a document's bytes to text (BOM, UTF-8, a detected legacy encoding), and back."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decoded:
    """A document's text and how to turn it back into the exact original bytes."""

    text: str
    encoding: str  # a Python codec name; text.encode(encoding) gives the bytes after the BOM
    bom: bool = False  # the bytes started with the encoding's byte order mark
    detected: bool = False  # the encoding was guessed (not UTF-8, not given by a BOM)


# Byte order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one).
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
BOM_OF = {enc: mark for mark, enc in BOMS}

# Signatures of binary formats that can otherwise pass for legacy-encoded text (a PDF may have no NUL byte).
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"\x7fELF", "ELF"),
)

# Legacy encodings preferred when the detector ranks several as equally likely: charset_normalizer
# ties cp1250 with cp1252 on French and Spanish text and lists cp1250 first, which turns è into č.
PREFERRED_ON_TIE = ("cp1252", "latin_1", "iso8859_15")

# Share of control characters (other than tab, line and page breaks) above which a guessed decoding
# is taken to be binary data, not text.
MAX_CONTROL_SHARE = 0.01
_TEXT_CONTROLS = set("\t\n\r\x0b\x0c\x1b")


_BAD_BYTE = re.compile("[\udc80-\udcff]")
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for c in text if (c < " " or "\x7f" <= c <= "\x9f") and c not in _TEXT_CONTROLS)
    return controls / len(text)


def _detect(data: bytes) -> str | None:
    """The likeliest legacy encoding of data, or None (charset_normalizer, with the tie-break above)."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for name in PREFERRED_ON_TIE:
        for m in matches:
            if m.encoding == name and m.chaos <= best.chaos and m.coherence >= best.coherence:
                return m.encoding
    return best.encoding


def decode_document(data: bytes) -> Decoded:
    """The text of a document: BOM first, then strict UTF-8, then a detected legacy encoding.

    Raises ValueError naming the problem for binary data or bytes no encoding decodes losslessly.
    Every accepted decoding round-trips: encode_document(decoded) == data.
    """
    for sig, kind in BINARY_SIGNATURES:
        if data.startswith(sig):
            raise ValueError(f"binary file ({kind} signature); not a text document")
    for mark, encoding in BOMS:
        if data.startswith(mark):
            try:
                return _checked(Decoded(data[len(mark) :].decode(encoding), encoding, bom=True), data)
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"starts with a {encoding} byte order mark but is not valid {encoding}: {exc.reason} "
                    f"at byte {exc.start + len(mark)}"
                ) from None
    nul = data.find(b"\x00")
    if nul != -1:
        raise ValueError(f"binary file (NUL byte at offset {nul}); not a text document")
    try:
        # Valid UTF-8 is always read as UTF-8: never second-guessed by the detector.
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_problem = f"not valid UTF-8 ({exc.reason} at byte {exc.start})"
    # Mostly-valid UTF-8 with a few bad bytes is damaged UTF-8: any legacy reading of it would be mojibake.
    escaped = data.decode("utf-8", "surrogateescape")
    bad = len(_BAD_BYTE.findall(escaped))
    if len(_VALID_NON_ASCII.findall(escaped)) > bad:
        raise ValueError(
            f"{utf8_problem}; {bad} bad byte(s) in otherwise valid UTF-8 text, so no other encoding is "
            "guessed"
        )
    encoding = _detect(data)
    if encoding is None:
        raise ValueError(f"{utf8_problem} and no other encoding fits; not decoded")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ValueError(f"{utf8_problem}; detected {encoding} does not decode it") from None
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise ValueError(
            f"binary file ({utf8_problem}, mostly control characters as {encoding}); not a text document"
        )
    return _checked(Decoded(text, encoding, detected=True), data)


def _checked(decoded: Decoded, data: bytes) -> Decoded:
    # Some codecs map several byte sequences to one character; such a decoding could not be undone.
    if encode_document(decoded.text, decoded.encoding, decoded.bom) != data:
        raise ValueError(f"decoding as {decoded.encoding} does not round-trip to the same bytes; not decoded")
    return decoded


def encode_document(text: str, encoding: str, bom: bool = False) -> bytes:
    """The bytes of a document from its text and recorded encoding (the inverse of decode_document)."""
    return (BOM_OF[encoding] if bom else b"") + text.encode(encoding)
