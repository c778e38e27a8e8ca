"""`archlint init`: set archlint up in an existing repository in one command.

It builds the system model the way `archlint check` does, writes a commented `[tool.archlint]`
section (appended to pyproject.toml, else a new archlint.toml) listing the services it found and
what each rule reports today, records today's findings in a baseline, and prints the next two
steps: the pre-commit hook and the GitHub workflow. It never replaces an existing archlint
configuration or baseline without `--force`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

import archlint
from archlint import baseline as baselines
from archlint.assemble import System
from archlint.config import Config, find_repo_root, load_file
from archlint.errors import UsageError
from archlint.registry import Registry

REPO_URL = "https://github.com/archlint/archlint"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_CROSS_SERVICE = ("ARC101", "ARC201", "ARC202")


def precommit_snippet() -> str:
    return (
        "repos:\n"
        f"  - repo: {REPO_URL}\n"
        f"    rev: v{archlint.__version__}\n"
        "    hooks:\n"
        "      - id: archlint\n"
    )


def workflow() -> str:
    """The GitHub workflow `archlint init` suggests (also examples/github-workflow.yml)."""
    return f"""\
# .github/workflows/archlint.yml: archlint on every push to main and every pull request, with
# its findings as GitHub code scanning alerts.
name: archlint
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
  security-events: write # upload-sarif needs it to create code scanning alerts
jobs:
  archlint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # --diff compares with the base branch: it needs its history
      - uses: archlint/archlint@v{archlint.__version__}
        with:
          # Pull requests: only findings on the lines they change (and cross-service findings
          # that involve a changed file). Pushes: every finding not in the baseline.
          args: ${{{{ github.event_name == 'pull_request' && format('--diff origin/{{0}}', github.base_ref) || '' }}}}
"""


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def render_config(
    system: System,
    registry: Registry,
    counts: Counter[str],
    baselined: bool,
    in_pyproject: bool,
) -> str:
    """The commented configuration; every active line is a key `config.py` accepts."""
    table = "tool.archlint." if in_pyproject else ""
    lines = [f"[{table.rstrip('.')}]"] if in_pyproject else []
    services = sorted(system.services.values(), key=lambda s: s.name)
    lines += [
        f"# archlint configuration, written by `archlint init` (archlint {archlint.__version__}).",
        f"# Every setting: {REPO_URL}#configuration",
        "#",
        "# Rules: every rule that is on by default runs (`archlint rules` lists them all,",
        "# `archlint explain CODE` explains one). What each reports in this repository today:",
    ]
    width = max(len(registry.rule_class(c).name) for c in registry.codes) + 7
    off = []
    for code in registry.codes:
        cls = registry.rule_class(code)
        n = counts.get(code, 0)
        label = f"{code} {cls.name}".ljust(width)
        found = f"{n} finding{'s' if n != 1 else ''}" if n else "nothing"
        if cls.enabled_by_default:
            lines.append(f"#   {label} {found}")
        else:
            off.append(f"#   {label} {found} (off by default)")
    if off:
        lines += ["# Rules that are off unless you turn them on with extend-select:", *off]
    if len(services) < 2:
        lines += [
            "# archlint found one service here, so the cross-service rules",
            f"# ({', '.join(_CROSS_SERVICE)}) have nothing to compare; they wake up when it finds",
            "# more (compose / Kubernetes services, or [services] tables below).",
        ]
    lines += [
        "#",
        '# select = ["ARC"]            # replace the default set of rules',
        '# ignore = ["ARC302"]         # turn rules off',
        '# extend-exclude = ["legacy/"] # skip folders (gitignore-style; .gitignore is honoured)',
        '# fail-on = "warning"         # lowest level that fails a run: error | warning | note | none',
        "",
    ]
    if baselined:
        lines += [
            "# The findings this repository had when archlint was set up are recorded in the",
            "# baseline; `archlint check` reports only new ones. After fixing some, re-write it",
            "# with `archlint check --write-baseline` (--no-baseline shows everything).",
            f'baseline = "{baselines.DEFAULT_FILE}"',
            "",
        ]
    lines += [
        f"# Services archlint found ({len(services)}); `archlint graph` draws them with their calls,",
        "# topics and databases. They are found afresh on every run: uncomment a table only to",
        "# correct a service archlint gets wrong, or to name one it cannot see.",
    ]
    for svc in services:
        where = f"from {svc.source}" if svc.source != "code" else "from its code"
        procs = len(svc.processes)
        if procs > 1:
            where += f", {procs} processes"
        lines.append(f"# [{table}services.{_key(svc.name)}]  # {where}")
        roots = [r or "." for r in svc.roots]
        if len(roots) == 1:
            lines.append(f"# path = {json.dumps(roots[0])}")
        elif roots:
            lines.append(f"# paths = {_toml_list(roots)}")
        if svc.hosts:
            lines.append(f"# hosts = {_toml_list(sorted(svc.hosts))}")
        if svc.kind in ("worker", "external"):
            lines.append(f'# kind = "{svc.kind}"')
    return "\n".join(lines).rstrip("\n") + "\n"


def _existing_config(root: Path) -> Path | None:
    own = root / "archlint.toml"
    if own.is_file():
        return own
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"{pyproject}: cannot add archlint settings: {exc}") from None
        tool = data.get("tool")
        if isinstance(tool, dict) and "archlint" in tool:
            return pyproject
    return None


def without_archlint_tables(text: str, path: Path) -> str:
    """pyproject.toml text without its [tool.archlint] and [tool.archlint.*] tables; UsageError
    if what is left still configures archlint (e.g. dotted keys under [tool])."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        m = _TABLE_HEADER.match(line)
        if m:
            name = re.sub(r"\s+", "", m.group(1))
            skipping = name == "tool.archlint" or name.startswith("tool.archlint.")
        if not skipping:
            out.append(line)
    rest = "".join(out)
    try:
        tool = tomllib.loads(rest).get("tool")
    except tomllib.TOMLDecodeError:
        tool = {"archlint": True}
    if isinstance(tool, dict) and "archlint" in tool:
        raise UsageError(
            f"{path}: cannot take the existing archlint settings out automatically; remove them "
            "by hand and run `archlint init` again"
        )
    return rest


def cmd_init(args: argparse.Namespace) -> int:
    from archlint.engine import Settings, build_settings, run
    from archlint.registry import load_registry

    root = Path(args.path).resolve()
    if not root.is_dir():
        raise UsageError(f"init: {args.path} is not a folder")
    existing = _existing_config(root)
    base_file = root / baselines.DEFAULT_FILE
    if not args.force:
        if existing is not None:
            raise UsageError(
                f"{existing} already configures archlint; edit it, or run `archlint init --force` "
                "to replace those settings"
            )
        if base_file.exists() and not args.no_baseline:
            raise UsageError(
                f"{base_file} already exists; keep it (archlint init --no-baseline) or replace it "
                "(archlint init --force)"
            )

    # 1. The model and what every rule, on or off by default, finds today.
    say = print
    say(f"archlint init: reading {root} …", file=sys.stderr)
    registry = load_registry([], root)
    survey = Settings(root, [root], Config(), registry, set(registry.codes), {})
    surveyed = run(survey, jobs=args.jobs, use_cache=not args.no_cache)
    assert surveyed.system is not None
    counts = Counter(f.code for f in surveyed.findings)
    default_on = {c for c in registry.codes if registry.rule_class(c).enabled_by_default}
    n_findings = sum(n for code, n in counts.items() if code in default_on)
    write_baseline = n_findings > 0 and not args.no_baseline

    # 2. The configuration.
    pyproject = root / "pyproject.toml"
    if existing is not None and existing.name == "archlint.toml":
        target = existing
    else:
        target = pyproject if pyproject.is_file() else root / "archlint.toml"
    in_pyproject = target.name == "pyproject.toml"
    section = render_config(surveyed.system, registry, counts, write_baseline, in_pyproject)
    if in_pyproject:
        text = target.read_text(encoding="utf-8")
        if existing == target:
            text = without_archlint_tables(text, target)
        text = text.rstrip("\n") + "\n\n" + section if text.strip() else section
    else:
        text = section
    old = target.read_bytes() if target.exists() else None
    target.write_text(text, encoding="utf-8", newline="\n")
    try:
        load_file(target)  # what we wrote must be what archlint reads
    except UsageError:
        if old is None:
            target.unlink()
        else:
            target.write_bytes(old)
        raise

    # 3. The baseline, from a run with exactly the configuration just written.
    if write_baseline:
        if base_file.exists():
            base_file.unlink()  # --force: replace, do not merge
        settings = build_settings([str(root)], config_file=str(target), write_baseline=True)
        n_findings = run(settings, jobs=args.jobs, use_cache=not args.no_cache).baselined
    rel = _relative_to_cwd
    services = sorted(surveyed.system.services)
    say(
        f"Found {len(services)} service{'s' if len(services) != 1 else ''}"
        + (f" ({', '.join(services)})" if services else "")
        + f" and {n_findings} finding{'s' if n_findings != 1 else ''}."
    )
    what = "a [tool.archlint] section" if in_pyproject else "archlint's settings"
    say(f"  wrote {rel(target)}: {what}, with the services found and what each rule reports")
    if write_baseline:
        say(
            f"  wrote {rel(base_file)}: today's {n_findings} finding{'s' if n_findings != 1 else ''}; "
            "`archlint check` reports only new ones from now on"
        )
    say("")
    say("Next steps:")
    say("")
    say(
        "1. Check every commit: add archlint to .pre-commit-config.yaml and run `pre-commit install`:"
    )
    say("")
    say(_indent(precommit_snippet()))
    say("2. Check every pull request, with alerts in GitHub code scanning:")
    say("   save this as .github/workflows/archlint.yml")
    say("")
    say(_indent(workflow()))
    files = [rel(target)] + ([rel(base_file)] if write_baseline else [])
    repo = find_repo_root(root)
    commit = f"git add {' '.join(files)}" if repo is not None else "commit " + " and ".join(files)
    say(f"Then commit the configuration: `{commit}`.")
    return 0


def _indent(text: str) -> str:
    return "".join(f"   {line}" if line.strip() else line for line in text.splitlines(True))


def _relative_to_cwd(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
