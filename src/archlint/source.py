"""Source lines for reports: code frames with every secret masked, and GitHub line hashes.

Reporters get source text only through this module, after the run, for the few files that have
findings. Every mask of every finding (suppressed ones too) applies to every frame, so a secret on
a line can never show up in another rule's code frame.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from archlint.discover import classify
from archlint.extract.decode import decode, looks_binary
from archlint.masking import mask
from archlint.model import Finding, Location, Mask
from archlint.report.fingerprint import line_hashes
from archlint.rules.secret_patterns import scan_text

MAX_FRAME_LINES = 3
MAX_FRAME_WIDTH = 200


def _disjoint(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans merged, right to left (so masking one keeps the others' offsets)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged[::-1]


class SourceReader:
    def __init__(self, root: Path, findings: Iterable[Finding], unparsed: Iterable[str] = ()):
        """`unparsed`: files a reader could not parse. They get no code frames: the names
        that tell a password from other text are unknown there, so a frame could show one."""
        self.root = root
        self.unparsed = frozenset(unparsed)
        self.masks: dict[str, dict[int, set[Mask]]] = defaultdict(lambda: defaultdict(set))
        for f in findings:
            for m in f.masks:
                self.masks[f.location.path][m.line].add(m)
        self._lines: dict[str, list[str] | None] = {}
        self._hashes: dict[str, list[str] | None] = {}

    def _read(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except OSError:
            return None

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            data = self._read(path)
            text = None
            if data is not None and not looks_binary(data):
                decoded = decode(data, classify(path.rsplit("/", 1)[-1])[1], path)
                text = decoded if isinstance(decoded, str) else None
            self._lines[path] = text.split("\n") if text is not None else None
        return self._lines[path]

    def masked_line(self, path: str, line: int) -> str | None:
        if path in self.unparsed:
            return None
        lines = self.lines(path)
        if lines is None or not 1 <= line <= len(lines):
            return None
        text = lines[line - 1]
        spans = {(m.column - 1, m.end_column - 1) for m in self.masks[path].get(line, ())}
        # Provider tokens, keys and URL passwords are masked whatever rules ran: a frame of
        # another rule must not show a secret that ARC501 was not selected to report.
        spans |= {(t.start, t.end) for t in scan_text(text)}
        for start, end in _disjoint(spans):
            end = min(end, len(text))
            if end > start:
                text = text[:start] + mask(text[start:end]) + text[end:]
        if len(text) > MAX_FRAME_WIDTH:
            text = text[:MAX_FRAME_WIDTH] + "…"
        return text

    def frame(self, loc: Location) -> list[tuple[int, str]]:
        """Up to three masked lines of the finding's region, with their numbers."""
        out = []
        for ln in range(loc.line, min(loc.end_line, loc.line + MAX_FRAME_LINES - 1) + 1):
            text = self.masked_line(loc.path, ln)
            if text is None:
                break
            out.append((ln, text))
        return out

    def line_hash(self, path: str, line: int) -> str | None:
        """GitHub's primaryLocationLineHash, as its upload action computes it from the file."""
        if path not in self._hashes:
            data = self._read(path)
            self._hashes[path] = (
                line_hashes(data.decode("utf-8", "replace")) if data is not None else None
            )
        hashes = self._hashes[path]
        if hashes is None or not 1 <= line <= len(hashes):
            return None
        return hashes[line - 1]
