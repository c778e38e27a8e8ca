"""Reporters: findings in, text out. Text (rich), JSON, SARIF 2.1.0, GitHub workflow commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archlint.docs import RulePage, page_for
from archlint.model import Finding
from archlint.rule import Rule

if TYPE_CHECKING:  # the engine imports source.py, which imports report.fingerprint
    from archlint.engine import RunResult
    from archlint.source import SourceReader

FORMATS = ("text", "json", "sarif", "github")


@dataclass
class ReportContext:
    result: RunResult
    source: SourceReader
    srcroot: Path  # the repository root (SARIF's %SRCROOT%); the project root outside git
    uri_prefix: str = ""  # the project root's path inside the repository, for SARIF / GitHub
    fail_level_hit: bool = False
    automation_id: str = "archlint/"

    def rule(self, code: str) -> Rule | None:
        return next((r for r in self.result.rules if r.code == code), None)

    def frame(self, finding: Finding) -> list[tuple[int, str]]:
        """Masked source lines of a finding, or none for rules that must not quote source."""
        rule = self.rule(finding.code)
        if rule is not None and not rule.shows_source:
            return []
        return self.source.frame(finding.location)

    def snippet(self, finding: Finding) -> str | None:
        frame = self.frame(finding)
        return "\n".join(t for _, t in frame) if frame else None

    def rule_name(self, code: str) -> str:
        rule = self.rule(code)
        return rule.name if rule else code

    def page(self, code: str) -> RulePage | None:
        return page_for(code)

    def summary(self, rule: Rule) -> str:
        page = page_for(rule.code)
        return page.summary if page else (rule.summary or (type(rule).__doc__ or "").strip())

    def uri(self, path: str) -> str:
        return f"{self.uri_prefix}{path}"

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.result.findings, key=Finding.sort_key)


def render(fmt: str, ctx: ReportContext, color: bool = False, quiet: bool = False) -> str:
    """The report in `fmt`; `color` and `quiet` apply to the text format only."""
    if fmt == "json":
        from archlint.report.json import render_json

        return render_json(ctx)
    if fmt == "sarif":
        from archlint.report.sarif import render_sarif

        return render_sarif(ctx)
    if fmt == "github":
        from archlint.report.github import render_github

        return render_github(ctx)
    from archlint.report.text import render_text

    return render_text(ctx, color=color, quiet=quiet)


def shown_path(path: Path | None) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    if path is None:
        return ""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def stale_baseline_note(result: RunResult) -> str | None:
    """Baseline entries that no finding matched any more, and what to do about them."""
    n = result.baseline_unmatched
    if not n:
        return None
    return (
        f"{n} baseline {'entries' if n != 1 else 'entry'} no longer "
        f"{'match' if n != 1 else 'matches'} any finding (fixed?): "
        f"run `archlint check --write-baseline` to drop {'them' if n != 1 else 'it'} "
        f"from {shown_path(result.baseline)}"
    )


def baseline_notes(result: RunResult) -> list[str]:
    """What the baseline did, for people: how many findings it held, which entries are stale."""
    notes = []
    if result.baselined:
        n = result.baselined
        notes.append(
            f"{n} finding{'s' if n != 1 else ''} in the baseline {shown_path(result.baseline)} "
            "not shown (--no-baseline shows them)"
        )
    stale = stale_baseline_note(result)
    if stale:
        notes.append(stale)
    return notes
