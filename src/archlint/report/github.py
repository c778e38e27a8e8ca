"""GitHub Actions workflow commands: one `::error file=…::message` annotation per finding."""

from __future__ import annotations

from archlint.model import Level
from archlint.report import ReportContext

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(ctx: ReportContext) -> str:
    lines = []
    for f in ctx.sorted_findings():
        loc = f.location
        props = [
            f"file={_escape_property(ctx.uri(loc.path))}",
            f"line={loc.line}",
            f"col={loc.column}",
            f"endLine={loc.end_line}",
        ]
        if loc.end_column and loc.end_line == loc.line:
            props.append(f"endColumn={loc.end_column}")
        props.append(f"title={_escape_property(f'{f.code} {ctx.rule_name(f.code)}')}")
        lines.append(f"::{_COMMAND[f.level]} {','.join(props)}::{_escape_data(f.message)}")
    for n in ctx.result.notifications:
        where = f" file={_escape_property(ctx.uri(n.path))}" if n.path else ""
        lines.append(f"::warning{where}::{_escape_data('archlint: ' + n.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
