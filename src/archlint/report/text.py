"""Terminal output: findings grouped by file as `path:line:col: CODE [name] message`, a masked
code frame, and a summary by rule. Colour only on a terminal; NO_COLOR is honoured (by rich)."""

from __future__ import annotations

import io
from collections import Counter, defaultdict

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from archlint.model import Finding, Level
from archlint.report import ReportContext, stale_baseline_note

_STYLE = {Level.ERROR: "bold red", Level.WARNING: "yellow", Level.NOTE: "cyan"}


def render_text(ctx: ReportContext, color: bool = False, quiet: bool = False) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        width=200 if not color else None,
        soft_wrap=True,
    )
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in ctx.sorted_findings():
        by_file[f.location.path].append(f)
    for path, findings in by_file.items():
        for f in findings:
            loc = f.location
            console.print(
                f"[bold]{escape(path)}:{loc.line}:{loc.column}:[/] "
                f"[{_STYLE[f.level]}]{f.code}[/] [dim]\\[{ctx.rule_name(f.code)}][/] "
                f"{escape(f.message)}"
            )
            if quiet:
                continue
            frame = ctx.frame(f)
            width = len(str(frame[-1][0])) if frame else 1
            for ln, text in frame:
                console.print(f"[dim]{ln:>{width}} |[/] {escape(text)}")
            if frame and loc.end_line == loc.line and loc.end_column > loc.column:
                # Masking may shorten the line: underline what is shown, not the original span.
                end = min(loc.end_column, len(frame[0][1]) + 1)
                underline = " " * (loc.column - 1) + "^" * max(1, end - loc.column)
                console.print(f"[dim]{'':>{width}} |[/] [{_STYLE[f.level]}]{underline}[/]")
            _steps(console, f)
        if not quiet:
            console.print()
    if not quiet:
        _summary(console, ctx)
    return buf.getvalue()


def _steps(console: Console, f: Finding) -> None:
    """The path of a chain or cycle, else the other sites of a cross-service finding."""
    if f.flow:
        messages = f.flow_messages or ("",) * len(f.flow)
        for i, (loc, msg) in enumerate(zip(f.flow, messages, strict=False), start=1):
            console.print(f"  [dim]{i}. {escape(loc.path)}:{loc.line}[/] {escape(msg)}")
        return
    messages = f.related_messages or ("",) * len(f.related)
    for loc, msg in zip(f.related, messages, strict=False):
        console.print(f"  [dim]= {escape(loc.path)}:{loc.line}[/] {escape(msg)}")


def _summary(console: Console, ctx: ReportContext) -> None:
    res = ctx.result
    counts = Counter(f.code for f in res.findings)
    if counts:
        table = Table(title=None, show_edge=False, box=None, pad_edge=False)
        table.add_column("code")
        table.add_column("rule")
        table.add_column("level")
        table.add_column("count", justify="right")
        for code, n in sorted(counts.items()):
            seen = {f.level for f in res.findings if f.code == code}
            shown = "/".join(lvl.value for lvl in sorted(seen, key=lambda x: -x.rank))
            table.add_row(code, ctx.rule_name(code), shown, str(n))
        console.print(table)
        console.print()
    levels = Counter(f.level for f in res.findings)
    parts = [
        f"{levels[lvl]} {lvl.value}{'s' if levels[lvl] != 1 else ''}"
        for lvl in Level
        if levels[lvl]
    ]
    files = len({f.location.path for f in res.findings})
    if res.findings:
        line = f"Found {len(res.findings)} finding{'s' if len(res.findings) != 1 else ''} ({', '.join(parts)}) in {files} file{'s' if files != 1 else ''}"
    else:
        line = "No findings"
    extra = [f"{res.stats.files} file{'s' if res.stats.files != 1 else ''} checked"]
    if res.stats.from_cache:
        extra.append(f"{res.stats.from_cache} from cache")
    if res.suppressed:
        extra.append(f"{res.suppressed} suppressed")
    if res.baselined:
        extra.append(f"{res.baselined} baselined")
    extra.extend(res.scope_notes)
    console.print(f"[bold]{line}[/] ({', '.join(extra)}).")
    stale = stale_baseline_note(res)
    if stale:
        console.print(escape(stale[0].upper() + stale[1:]) + ".")
