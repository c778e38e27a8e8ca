"""Bytes to text, the way each file kind's own tools would decode them.

Never raises: undecodable input becomes a ParseProblem located at the first bad byte.
"""

from __future__ import annotations

import codecs
import re

from archlint.model import FileKind, Location, ParseProblem

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# PEP 263: a coding cookie on one of the first two lines.
_COOKIE_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)


def looks_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB, without a UTF-16/32 BOM, means binary (git's own test)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:8192]


def decode(data: bytes, kind: FileKind, path: str) -> str | ParseProblem:
    """Decode `data`; universal newlines are NOT applied (offsets must match the bytes' lines)."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding = name
            break
    else:
        if kind is FileKind.PYTHON:
            head = b"\n".join(data.split(b"\n", 2)[:2])
            m = _COOKIE_RE.search(head)
            if m:
                encoding = m.group(1).decode("ascii", "replace")
    try:
        text = data.decode(encoding)
    except LookupError:
        return ParseProblem(
            f"unknown encoding {encoding!r} in the coding cookie", Location(path, 1)
        )
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return ParseProblem(
            f"not valid {exc.encoding.upper()} (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save the file as UTF-8 or declare its encoding",
            Location(path, line, col),
        )
    if "\r" in text:
        # Keep offsets aligned with lines: treat CRLF and lone CR as line ends for our readers.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
