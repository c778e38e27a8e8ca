"""Meta rules (ARC0xx): problems with the input itself, and with suppressions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from archlint.model import Finding, Level, Location
from archlint.rule import FileContext, FileRule, ProjectRule

if TYPE_CHECKING:
    from archlint.assemble import System


class CouldNotParse(FileRule):
    """A file archlint should read (Python, YAML, JSON, TOML, SQL, .env) could not be parsed."""

    code = "ARC001"
    name = "could-not-parse"
    default_level = Level.ERROR
    sees_unreadable_files = True
    shows_source = False
    tags = ("meta",)
    precision = "very-high"

    def check_file(self, ctx: FileContext) -> Iterable[Finding]:
        for problem in ctx.facts.problems:
            yield self.finding(
                f"{problem.message}; other rules could not analyse this file",
                problem.location,
                fingerprint=problem.message,
            )


class UnusedSuppression(ProjectRule):
    """Computed by the filter stage, which alone knows which suppressions matched a finding;
    registered here so it can be selected, ignored and documented like any rule."""

    code = "ARC003"
    name = "unused-suppression"
    default_level = Level.NOTE
    tags = ("meta",)
    precision = "very-high"

    def check_project(self, system: System) -> Iterable[Finding]:
        return ()


class FileSkipped(FileRule):
    """A file was not analysed: too large, unreadable, or otherwise out of bounds."""

    code = "ARC004"
    name = "file-skipped"
    default_level = Level.WARNING
    sees_unreadable_files = True
    tags = ("meta",)
    precision = "very-high"

    def check_file(self, ctx: FileContext) -> Iterable[Finding]:
        if ctx.facts.skipped:
            yield self.finding(
                f"file not analysed: {ctx.facts.skipped}",
                Location(ctx.path, 1),
                fingerprint=ctx.facts.skipped.split(" (")[0],
            )
