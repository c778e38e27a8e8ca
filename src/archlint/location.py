"""Where a fact or finding is: the one position type every stage shares."""

from __future__ import annotations

from dataclasses import dataclass

_MAX = 2**31  # lines and columns beyond this are no file's


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A region in a file. `path` is POSIX, relative to the project root; lines and columns are
    1-based, columns count Unicode code points; end_column is exclusive (SARIF's convention)."""

    path: str
    line: int
    column: int = 1
    end_line: int = 0  # 0: same as line
    end_column: int = 0  # 0: end of line

    def __post_init__(self) -> None:
        if self.end_line == 0:
            object.__setattr__(self, "end_line", self.line)
        # 1-based and plausible: also the check on locations read back from the (untrusted) cache
        if not (
            0 < self.line < _MAX
            and 0 < self.column < _MAX
            and 0 < self.end_line < _MAX
            and 0 <= self.end_column < _MAX
        ):
            raise ValueError(f"not a position in a file: {self.line}:{self.column}")
