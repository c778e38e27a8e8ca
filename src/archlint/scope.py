"""Which findings a run reports when asked about part of a project it analysed whole.

`--diff REF` keeps findings on changed lines; `--files-only` keeps findings on the files named
(what a pre-commit hook passes). In both, the System is built from the whole project, so
cross-service rules judge what they always judge; only reporting narrows.

A finding that points at one place is in scope when that place is. A cross-service finding —
one with related locations or a flow (a call chain, a cycle, a shared database) — is in scope
when any file it involves is: the change that creates a cycle may be the call at either end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from archlint.gitdiff import ChangedLines
from archlint.model import Finding, Location


def locations(finding: Finding) -> Iterator[Location]:
    """The primary location, then related locations, then the steps of its flow."""
    yield finding.location
    yield from finding.related
    yield from finding.flow


def is_cross_service(finding: Finding) -> bool:
    return bool(finding.related or finding.flow)


@dataclass(frozen=True)
class DiffScope:
    changed: ChangedLines

    def describe(self, dropped: int) -> str:
        return f"{dropped} on code unchanged since {self.changed.ref}"

    def keeps(self, finding: Finding) -> bool:
        if is_cross_service(finding):
            return any(self.changed.file_changed(loc.path) for loc in locations(finding))
        loc = finding.location
        return self.changed.lines_changed(loc.path, loc.line, max(loc.line, loc.end_line))


@dataclass(frozen=True)
class FileScope:
    """Paths relative to the project root; a folder stands for every file under it."""

    paths: frozenset[str]

    def describe(self, dropped: int) -> str:
        return f"{dropped} in other files"

    def covers(self, path: str) -> bool:
        if "" in self.paths or path in self.paths:
            return True
        return any(path.startswith(p + "/") for p in self.paths)

    def keeps(self, finding: Finding) -> bool:
        return any(self.covers(loc.path) for loc in locations(finding))


Scope = DiffScope | FileScope


def narrow(findings: Iterable[Finding], scopes: Sequence[Scope]) -> tuple[list[Finding], int]:
    """(findings every scope keeps, how many were left out)."""
    kept: list[Finding] = []
    dropped = 0
    for f in findings:
        if all(s.keeps(f) for s in scopes):
            kept.append(f)
        else:
            dropped += 1
    return kept, dropped
