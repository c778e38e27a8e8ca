"""Command line: `archlint check`, `archlint init`, `archlint graph`, `archlint clean`,
`archlint rules`, `archlint explain`.

Exit codes: 0 no finding at or above the fail level; 1 findings; 2 usage, config or internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import archlint
from archlint.baseline import DEFAULT_FILE as DEFAULT_BASELINE
from archlint.config import FAIL_ON, find_config, find_repo_root, load_file
from archlint.errors import UsageError
from archlint.report import FORMATS, ReportContext, baseline_notes, render, shown_path

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other usage error of ours.
        self.exit(EXIT_ERROR, f"archlint: error: {message} (see `{self.prog} --help`)\n")


def _selectors(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes ≥ 1, got {value!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="archlint",
        description="Find architecture problems in existing backend code bases.",
    )
    parser.add_argument("--version", action="version", version=f"archlint {archlint.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check files and folders (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    check.add_argument(
        "--select",
        type=_selectors,
        metavar="RULES",
        help="comma-separated codes, prefixes (ARC5) or names to enable, replacing the config's",
    )
    check.add_argument(
        "--extend-select",
        type=_selectors,
        default=[],
        metavar="RULES",
        help="enable these rules in addition",
    )
    check.add_argument(
        "--ignore",
        type=_selectors,
        default=[],
        metavar="RULES",
        help="disable these rules (added to the config's ignore list)",
    )
    check.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest level that makes the exit code 1 (default: warning)",
    )
    check.add_argument("--config", metavar="FILE", help="archlint.toml or pyproject.toml to use")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    check.add_argument(
        "--jobs", "-j", type=_jobs, metavar="N", help="worker processes (default: all cores)"
    )
    check.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply exclude and .gitignore even to paths named on the command line (for hooks)",
    )
    check.add_argument(
        "--files-only",
        action="store_true",
        help="analyse the whole project but report only findings that involve the PATHs given "
        "(the pre-commit hook passes it with the files being committed)",
    )
    check.add_argument(
        "--diff",
        metavar="REF",
        help="report only findings on lines changed since the git revision REF "
        "(e.g. origin/main), uncommitted and untracked files included",
    )
    base = check.add_mutually_exclusive_group()
    base.add_argument(
        "--baseline",
        metavar="FILE",
        help=f"leave out the findings recorded in FILE (default: {DEFAULT_BASELINE} if it exists)",
    )
    base.add_argument(
        "--no-baseline", action="store_true", help="report every finding, baselined or not"
    )
    check.add_argument(
        "--write-baseline",
        nargs="?",
        const=True,
        default=False,
        metavar="FILE",
        help=f"record today's findings in FILE (default: {DEFAULT_BASELINE}); later runs "
        "report only new ones",
    )
    check.add_argument(
        "--sarif-category",
        "--automation-id",
        dest="sarif_category",
        metavar="NAME",
        help="SARIF automationDetails.id: one code scanning category per upload in a monorepo "
        "(default: archlint/)",
    )
    out = check.add_mutually_exclusive_group()
    out.add_argument(
        "--quiet", "-q", action="store_true", help="findings only, no frames or summary"
    )
    out.add_argument(
        "--verbose", "-v", action="store_true", help="progress and internal tracebacks"
    )
    check.add_argument("--version", action="version", version=f"archlint {archlint.__version__}")

    graph = sub.add_parser("graph", help="draw the system archlint sees (services, calls, data)")
    graph.add_argument("paths", nargs="*", metavar="PATH", help="the project (default: .)")
    graph.add_argument("--format", choices=("mermaid", "dot", "json"), default="mermaid")
    graph.add_argument("--output", "-o", metavar="FILE", help="write the graph to FILE")
    graph.add_argument("--config", metavar="FILE", help="archlint.toml or pyproject.toml to use")
    graph.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    graph.add_argument("--jobs", "-j", type=_jobs, metavar="N", help="worker processes")
    graph.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="list what was left unresolved (URLs, hosts, DSNs) and why, on stderr",
    )

    init = sub.add_parser(
        "init", help="set archlint up in a repository: config, baseline, next steps"
    )
    init.add_argument(
        "path", nargs="?", default=".", metavar="PATH", help="the project (default: .)"
    )
    init.add_argument(
        "--force", action="store_true", help="replace an existing archlint config and baseline"
    )
    init.add_argument(
        "--no-baseline", action="store_true", help="do not record today's findings in a baseline"
    )
    init.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    init.add_argument("--jobs", "-j", type=_jobs, metavar="N", help="worker processes")

    clean = sub.add_parser("clean", help="delete the project's cache folder (.archlint_cache)")
    clean.add_argument(
        "path", nargs="?", default=".", metavar="PATH", help="the project (default: .)"
    )
    clean.add_argument("--config", metavar="FILE", help="archlint.toml or pyproject.toml to use")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--config", metavar="FILE", help="config whose plug-ins to include")

    explain = sub.add_parser("explain", help="show a rule's documentation page")
    explain.add_argument("rule", metavar="RULE", help="a rule code (ARC501) or name")
    explain.add_argument("--config", metavar="FILE", help="config whose plug-ins to include")
    return parser


def _err(message: str) -> None:
    print(f"archlint: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    verbose = getattr(args, "verbose", False)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "rules":
            return cmd_rules(args)
        if args.command == "graph":
            return cmd_graph(args)
        if args.command == "clean":
            return cmd_clean(args)
        if args.command == "init":
            from archlint.init_config import cmd_init

            return cmd_init(args)
        return cmd_explain(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_ERROR
    except Exception as exc:  # a bug of ours: one line, the traceback only when asked
        if verbose:
            traceback.print_exc()
        _err(
            f"internal error ({type(exc).__name__}); run with --verbose for the traceback and "
            "please report it"
        )
        return EXIT_ERROR


def cmd_check(args: argparse.Namespace) -> int:
    from archlint.engine import build_settings, run
    from archlint.source import SourceReader

    settings = build_settings(
        args.paths,
        config_file=args.config,
        select=args.select,
        extend_select=args.extend_select,
        ignore=args.ignore,
        fail_on=args.fail_on,
        force_exclude=args.force_exclude,
        files_only=args.files_only,
        diff=args.diff,
        baseline=args.baseline,
        use_baseline=not args.no_baseline,
        write_baseline=args.write_baseline,
    )
    log = (lambda msg: print(f"archlint: {msg}", file=sys.stderr)) if args.verbose else None
    result = run(settings, jobs=args.jobs, use_cache=not args.no_cache, log=log)

    repo = find_repo_root(settings.root) or settings.root
    prefix = "" if repo == settings.root else settings.root.relative_to(repo).as_posix() + "/"
    category = args.sarif_category or settings.config.sarif_category or "archlint"
    ctx = ReportContext(
        result=result,
        source=result.source or SourceReader(settings.root, [*result.findings, *result.masked]),
        srcroot=repo,
        uri_prefix=prefix,
        automation_id=category if category.endswith("/") else category + "/",
    )
    to_terminal = args.output is None and sys.stdout.isatty()
    color = to_terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    text = render(args.format, ctx, color=color, quiet=args.quiet)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --output {args.output}: {exc.strerror}") from exc
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    for note in result.notifications:
        print(f"archlint: warning: {note.message}", file=sys.stderr)
        if args.verbose and note.detail:
            print(note.detail, file=sys.stderr)
    if result.baseline_written is not None:
        print(
            f"archlint: wrote {result.baselined} finding{'s' if result.baselined != 1 else ''} "
            f"to the baseline {shown_path(result.baseline)}; commit it, and later runs report only "
            "new findings",
            file=sys.stderr,
        )
    elif args.format != "text" or args.output or args.quiet:
        # The text summary says this; other formats get it on stderr.
        for line in baseline_notes(result):
            print(f"archlint: {line}", file=sys.stderr)

    fail = settings.config.fail_level()
    if fail is not None and any(f.level.rank >= fail.rank for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    from archlint.engine import build_settings, run
    from archlint.graph import render_graph, unresolved_report

    settings = build_settings(args.paths, config_file=args.config)
    result = run(settings, jobs=args.jobs, use_cache=not args.no_cache, log=None)
    assert result.system is not None
    text = render_graph(result.system, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --output {args.output}: {exc.strerror}") from exc
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if args.verbose:
        sys.stderr.write(unresolved_report(result.system))
    for note in result.notifications:
        print(f"archlint: warning: {note.message}", file=sys.stderr)
    return EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    """Delete the cache folder of the project at PATH (its `cache-dir`, default .archlint_cache)."""
    from archlint.cache import clean
    from archlint.engine import resolve_root

    given = Path(args.path)
    if not given.is_dir():
        raise UsageError(f"not a folder: {given}")
    cfg_path = Path(args.config) if args.config else None
    if cfg_path is not None and not cfg_path.is_file():
        raise UsageError(f"config file not found: {cfg_path}")
    root, found = resolve_root([given], cfg_path)
    config = load_file(found) if found else None
    target = root / (config.cache_dir if config else ".archlint_cache")
    if not target.exists():
        print(f"archlint: no cache to remove ({shown_path(target)} does not exist)")
        return EXIT_OK
    try:
        entries = clean(target)
    except ValueError as exc:
        raise UsageError(f"{exc}; not deleted") from None
    except OSError as exc:
        raise UsageError(f"cannot delete {shown_path(target)}: {exc.strerror}") from None
    print(f"archlint: removed {shown_path(target)} ({entries} cached files)")
    return EXIT_OK


def _registry_for(config_file: str | None):  # type: ignore[no-untyped-def]
    from archlint.registry import load_registry

    path = Path(config_file) if config_file else find_config(Path.cwd())
    if config_file and not Path(config_file).is_file():
        raise UsageError(f"config file not found: {config_file}")
    plugins = load_file(path).plugins if path else []
    return load_registry(plugins, path.parent if path else Path.cwd())


def cmd_rules(args: argparse.Namespace) -> int:
    from archlint.docs import page_for

    registry = _registry_for(args.config)
    rows = []
    for code in registry.codes:
        cls = registry.rule_class(code)
        page = page_for(code)
        rows.append(
            {
                "code": code,
                "name": cls.name,
                "family": cls.family(),
                "level": cls.default_level.value,
                "enabled_by_default": cls.enabled_by_default,
                "summary": page.summary if page else (cls.summary or (cls.__doc__ or "").strip()),
                "options": {o.name: o.default for o in cls.options_spec},
            }
        )
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, show_edge=False, pad_edge=False)
    for col in ("code", "name", "family", "level", "default", "summary"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["code"],
            r["name"],
            r["family"],
            r["level"],
            "on" if r["enabled_by_default"] else "off",
            r["summary"],
        )
    Console(highlight=False, soft_wrap=False).print(table)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from archlint.docs import page_for

    registry = _registry_for(args.config)
    code = registry.lookup(args.rule)
    if code is None:
        registry.expand(args.rule)  # raises the did-you-mean error
        raise UsageError(f"{args.rule!r} names several rules; give one code or name")
    page = page_for(code)
    if page is not None:
        sys.stdout.write(page.markdown)
        return EXIT_OK
    cls = registry.rule_class(code)
    print(f"# {code}: {cls.name}\n\n{cls.summary or (cls.__doc__ or '').strip()}\n")
    for opt in cls.options_spec:
        print(f"- `{opt.name}` (default {opt.default!r}): {opt.description}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
