"""Offsets in decoded text to 1-based line/column Locations; one index per file."""

from __future__ import annotations

import bisect

from archlint.model import Location


class LineIndex:
    """Line starts of a text, computed once; maps character offsets to Locations."""

    __slots__ = ("path", "starts")

    def __init__(self, text: str, path: str):
        self.path = path
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        idx = bisect.bisect_right(self.starts, offset) - 1
        return idx + 1, offset - self.starts[idx] + 1

    def location(self, start: int, end: int) -> Location:
        """Location of text[start:end]."""
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Location(self.path, line, col, end_line, end_col)

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based (line, column)."""
        return self.starts[min(line, len(self.starts)) - 1] + column - 1
