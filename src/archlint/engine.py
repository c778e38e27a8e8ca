"""One run: discover → extract (+ file rules) → assemble → project rules → filter.

Readers know formats, rules know facts, reporters know findings; this module only wires them and
keeps the run going when one file or one rule fails.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import archlint
from archlint import baseline as baselines
from archlint import redact
from archlint.assemble import System, assemble
from archlint.cache import Cache
from archlint.config import Config, find_config, find_repo_root, load_file
from archlint.discover import discover
from archlint.errors import UsageError
from archlint.extract import content_hash, extract_file, run_file_rules
from archlint.extract.budget import FileTimeout, time_budget
from archlint.filtering import PerFileIgnores, apply_filters
from archlint.gitdiff import changed_lines
from archlint.model import (
    FileFacts,
    FileKind,
    FileResult,
    Finding,
    Level,
    Notification,
    RunStats,
    SourceFile,
)
from archlint.registry import Registry, load_registry
from archlint.rule import FileRule, ProjectRule, Rule
from archlint.scope import DiffScope, FileScope, Scope, narrow
from archlint.source import SourceReader

PARALLEL_THRESHOLD = 48  # below this many files a process pool costs more than it saves


@dataclass
class Settings:
    """Everything a run needs, resolved and validated (errors raise UsageError before any work)."""

    root: Path
    paths: list[Path]
    config: Config
    registry: Registry
    enabled: set[str]
    rule_options: dict[str, tuple[dict[str, Any], Level | None]]
    force_exclude: bool = False
    # The filter stage after suppressions: the baseline (applied to every finding), then the
    # scopes that narrow what is reported (--diff, --files-only).
    baseline: baselines.Baseline | None = None
    write_baseline: Path | None = None
    scopes: list[Scope] = field(default_factory=list)


@dataclass
class RunResult:
    root: Path
    findings: list[Finding]
    rules: list[Rule]  # enabled rules, in code order
    notifications: list[Notification] = field(default_factory=list)
    stats: RunStats = field(default_factory=RunStats)
    suppressed: int = 0
    files: list[FileFacts] = field(default_factory=list)
    # Findings silenced by the filter that carry masks: their secrets stay masked in the code
    # frames of other findings on the same lines.
    masked: list[Finding] = field(default_factory=list)
    system: System | None = None
    source: SourceReader | None = None  # masked source of the files with findings
    baseline: Path | None = None  # the baseline applied (or written)
    baselined: int = 0  # findings the baseline holds, not reported
    baseline_unmatched: int = 0  # baseline entries no finding matched: fixed since
    baseline_written: int | None = None  # entries written by --write-baseline
    out_of_scope: int = 0  # findings --diff / --files-only left out
    scope_notes: list[str] = field(default_factory=list)  # "12 on code unchanged since …"


def resolve_root(
    paths: Sequence[Path], config_file: Path | None, whole_project: bool = False
) -> tuple[Path, Path | None]:
    """(project root, config file). The root is the config file's folder; without one, the one
    folder given on the command line (unless `whole_project`: the paths only narrow the report),
    else the repository root, else the current folder."""
    first = paths[0]
    found = config_file or find_config(first.resolve())
    if found is not None:
        root = found.resolve().parent
    elif len(paths) == 1 and first.is_dir() and not whole_project:
        root = first.resolve()
    else:
        root = find_repo_root(first.resolve()) or Path.cwd().resolve()
    outside = [p for p in paths if not _is_within(p.resolve(), root)]
    if outside:
        root = Path(os.path.commonpath([root, *(p.resolve() for p in outside)]))
    return root, found


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def validate_rule_options(
    config: Config, registry: Registry
) -> dict[str, tuple[dict[str, Any], Level | None]]:
    """`[tool.archlint.rules.<name>]` tables → options per rule code, checked against each rule's
    declared options. `level` is accepted for every rule. A table named by a prefix
    (`[rules.ARC6]`) sets its options on every rule of that prefix that declares them; a rule's
    own table wins over it."""
    out: dict[str, tuple[dict[str, Any], Level | None]] = {}
    where = f"{config.path}: key 'rules" if config.path else "key 'rules"
    # prefixes first (shortest first), so the more specific tables override them
    ordered = sorted(
        config.rules.items(), key=lambda kv: (registry.lookup(kv[0]) is not None, len(kv[0]))
    )
    for ident, table in ordered:
        code = registry.lookup(ident)
        codes = [code] if code is not None else sorted(registry.codes_for(ident) or ())
        if not codes:
            raise UsageError(f"{where}.{ident}': unknown rule (`archlint rules` lists them)")
        for key, value in table.items():
            if key == "level":
                if value not in ("error", "warning", "note"):
                    raise UsageError(
                        f"{where}.{ident}.level': expected 'error', 'warning' or 'note'"
                    )
                for c in codes:
                    out.setdefault(c, ({}, None))
                    out[c] = (out[c][0], Level(value))
                continue
            declared = [
                (c, o) for c in codes for o in registry.rule_class(c).options_spec if o.name == key
            ]
            if not declared:
                if code is None:
                    raise UsageError(
                        f"{where}.{ident}.{key}': no rule matching {ident} has this option"
                    )
                cls = registry.rule_class(code)
                known = ", ".join(["level", *(o.name for o in cls.options_spec)])
                raise UsageError(f"{where}.{ident}.{key}': unknown option; {cls.name} has: {known}")
            for c, opt in declared:
                problem = opt.check(value)
                if problem:
                    raise UsageError(f"{where}.{ident}.{key}': expected {problem}")
                out.setdefault(c, ({}, None))
                out[c][0][key] = value
        for c in codes:
            out.setdefault(c, ({}, None))
    return out


def build_settings(
    paths: Sequence[str],
    config_file: str | None = None,
    select: list[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    force_exclude: bool = False,
    files_only: bool = False,
    diff: str | None = None,
    baseline: str | None = None,
    use_baseline: bool = True,
    write_baseline: str | bool = False,
) -> Settings:
    """Resolve paths, config and rule selection; CLI values override the config file's.

    `files_only`: analyse the whole project, report only findings that involve `paths`.
    `diff`: report only findings on lines changed since that git revision.
    `baseline` (a file), `use_baseline`, `write_baseline` (True, or a file): see baseline.py.
    """
    given = [Path(p) for p in (paths or ["."])]
    for p in given:
        if not p.exists():
            raise UsageError(f"path not found: {p}")
    cfg_path = Path(config_file) if config_file else None
    if cfg_path is not None and not cfg_path.is_file():
        raise UsageError(f"config file not found: {cfg_path}")
    root, found = resolve_root(given, cfg_path, whole_project=files_only)
    config = load_file(found) if found else Config()
    if select is not None:
        config.select = select
    config.extend_select = [*config.extend_select, *extend_select]
    config.ignore = [*config.ignore, *ignore]
    if fail_on is not None:
        config.fail_on = fail_on
    try:
        registry = load_registry(config.plugins, root)
    except UsageError as exc:
        if config.path is None or not config.plugins:
            raise
        raise UsageError(f"{config.path}: key 'plugins': {exc}") from None
    try:
        enabled = registry.select(config.select, config.extend_select, config.ignore)
    except UsageError as exc:
        raise UsageError(f"{config.path}: {exc}" if config.path else str(exc)) from None
    rule_options = validate_rule_options(config, registry)
    settings = Settings(root, given, config, registry, enabled, rule_options, force_exclude)
    if files_only:
        named = frozenset(_relative(p, root) for p in given)
        settings.paths = [root, *given]
        settings.scopes.append(FileScope(named))
    if diff is not None:
        settings.scopes.append(DiffScope(changed_lines(root, diff)))
    _baseline_settings(settings, baseline, use_baseline, write_baseline)
    return settings


def _relative(path: Path, root: Path) -> str:
    rel = Path(os.path.relpath(path.resolve(), root)).as_posix()
    return "" if rel == "." else rel


def _baseline_settings(settings: Settings, given: str | None, use: bool, write: str | bool) -> None:
    """Which baseline applies: --baseline FILE, else the config's `baseline`, else
    .archlint-baseline.json in the project root if it exists; --no-baseline: none."""
    cfg = settings.config
    target: Path | None = None
    where = ""
    if given is not None:
        target, where = Path(given), f"--baseline {given}"
    elif cfg.baseline is not None:
        target = settings.root / cfg.baseline
        where = f"{cfg.path}: key 'baseline' ({cfg.baseline})" if cfg.path else "baseline"
    default = settings.root / baselines.DEFAULT_FILE
    if write:
        out = Path(write) if isinstance(write, str) else (target or default)
        baselines.check_writable(out)
        settings.write_baseline = out
        if out.is_file():
            settings.baseline = baselines.load(out)  # kept for the rules and files not run
        return
    if not use:
        return
    if target is not None:
        if not target.is_file():
            raise UsageError(
                f"{where}: baseline file not found (write it with "
                f"`archlint check --write-baseline {target}`, or drop the setting)"
            )
        settings.baseline = baselines.load(target)
    elif default.is_file():
        settings.baseline = baselines.load(default)


def instantiate(settings: Settings) -> list[Rule]:
    rules = []
    for code in sorted(settings.enabled):
        options, level = settings.rule_options.get(code, ({}, None))
        rules.append(settings.registry.rule_class(code)(options, level))
    return rules


# --- the extract stage, in this process or in workers --------------------------------------------


@dataclass(frozen=True)
class _WorkerSpec:
    plugins: tuple[str, ...]
    base: str
    file_rules: tuple[tuple[str, dict[str, Any], str], ...]
    max_file_size: int
    max_file_time: float
    cache_dir: str | None
    settings_key: str


class _Worker:
    """Per-process state: the file rules and the cache, built once per process."""

    def __init__(self, spec: _WorkerSpec):
        registry = load_registry(spec.plugins, Path(spec.base))
        self.rules: list[FileRule] = []
        for code, options, level in spec.file_rules:
            cls = registry.rule_class(code)
            assert issubclass(cls, FileRule)
            self.rules.append(cls(options, Level(level)))
        self.max_file_size = spec.max_file_size
        self.max_file_time = spec.max_file_time
        self.cache = Cache(Path(spec.cache_dir), spec.settings_key) if spec.cache_dir else None

    def _read(self, src: SourceFile) -> bytes | FileResult:
        try:
            with open(src.abs_path, "rb") as fh:
                return fh.read(self.max_file_size + 1)
        except OSError as exc:
            reason = f"cannot read ({exc.strerror or type(exc).__name__})"
            return run_file_rules(FileFacts(src.path, src.kind, "", skipped=reason), "", self.rules)

    def lookup(self, src: SourceFile) -> tuple[FileResult, bool] | None:
        """The cached result of a file (or its result when it cannot be read); None when it
        must be extracted. The main process looks every file up before starting workers, so
        a warm run starts none and a run with a few changed files extracts them in-process."""
        if self.cache is None:
            return None
        data = self._read(src)
        if isinstance(data, FileResult):
            return data, False
        hit = self.cache.get(src.path, content_hash(data))
        return None if hit is None else (hit, True)

    def run(self, src: SourceFile) -> tuple[FileResult, bool]:
        data = self._read(src)
        if isinstance(data, FileResult):
            return data, False
        digest = content_hash(data)
        if self.cache is not None:
            hit = self.cache.get(src.path, digest)
            if hit is not None:
                return hit, True
        try:
            with time_budget(self.max_file_time):
                result = extract_file(src, data, self.rules, self.max_file_size, digest)
        except FileTimeout:  # reported, never cached: another machine may be fast enough
            reason = f"took longer than max-file-time ({self.max_file_time:g} s) to read"
            facts = FileFacts(src.path, src.kind, digest, skipped=reason)
            return run_file_rules(facts, "", self.rules), False
        if self.cache is not None and not result.notifications:
            self.cache.put(redact.for_cache(result, data))
        return result, False


_WORKER: _Worker | None = None


def _init_worker(spec: _WorkerSpec) -> None:
    global _WORKER
    _WORKER = _Worker(spec)


def _work(src: SourceFile) -> tuple[FileResult, bool]:
    assert _WORKER is not None
    return _WORKER.run(src)


def settings_key(rules: Sequence[Rule], extra: str) -> str:
    """Cache namespace: archlint's own code, plug-in code, rule options and limits."""
    h = hashlib.sha256(f"{archlint.__version__}|{extra}".encode())
    modules = {inspect.getfile(type(r)) for r in rules} | {str(Path(archlint.__file__).parent)}
    for m in sorted(modules):
        p = Path(m)
        files = sorted(p.rglob("*.py")) if p.is_dir() else [p]
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}".encode())
    for r in rules:
        h.update(repr((r.code, sorted(r.options.items()), r.level.value)).encode())
    return h.hexdigest()


def run(
    settings: Settings,
    jobs: int | None = None,
    use_cache: bool = True,
    log: Callable[[str], None] | None = None,
) -> RunResult:
    """Run every stage and return filtered findings; never raises for bad input files."""
    say = log or (lambda _msg: None)
    cfg = settings.config
    rules = instantiate(settings)
    file_rules = [r for r in rules if isinstance(r, FileRule)]
    project_rules = [r for r in rules if isinstance(r, ProjectRule)]
    per_file = PerFileIgnores(cfg.per_file_ignores, settings.registry)

    sources, skipped = discover(
        settings.paths,
        settings.root,
        exclude=[*cfg.exclude, *cfg.extend_exclude],
        respect_gitignore=cfg.respect_gitignore,
        force_exclude=settings.force_exclude,
    )
    say(f"root {settings.root}; {len(sources)} files; rules: {', '.join(r.code for r in rules)}")
    cache_dir = settings.root / cfg.cache_dir if use_cache else None
    spec = _WorkerSpec(
        plugins=tuple(cfg.plugins),
        base=str(settings.root),
        file_rules=tuple((r.code, dict(r.options), r.level.value) for r in file_rules),
        max_file_size=cfg.max_file_size,
        max_file_time=cfg.max_file_time,
        cache_dir=str(cache_dir) if cache_dir else None,
        settings_key=settings_key(file_rules, f"{cfg.max_file_size}"),
    )
    jobs = jobs or os.cpu_count() or 1
    local = _Worker(spec)  # serial extraction, and ARC004 for paths discovery could not enter
    looked_up = [local.lookup(src) for src in sources]
    misses = [src for src, hit in zip(sources, looked_up, strict=True) if hit is None]
    extracted: list[tuple[FileResult, bool]]
    if jobs > 1 and len(misses) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(spec,)) as pool:
            chunk = max(1, len(misses) // (jobs * 8))
            extracted = list(pool.map(_work, misses, chunksize=chunk))
    else:
        extracted = [local.run(src) for src in misses]
    fresh = iter(extracted)
    # discovery order, whatever --jobs is and whatever came from the cache
    results = [hit if hit is not None else next(fresh) for hit in looked_up]

    stats = RunStats(files=len(sources))
    findings: list[Finding] = []
    notes: list[Notification] = []
    facts: list[FileFacts] = []
    for result, cached in results:
        stats.from_cache += cached
        stats.by_kind[result.facts.kind.value] = stats.by_kind.get(result.facts.kind.value, 0) + 1
        stats.skipped += bool(result.facts.skipped)
        facts.append(result.facts)
        findings.extend(result.findings)
        notes.extend(result.notifications)
    for item in skipped:
        res = run_file_rules(
            FileFacts(item.path, FileKind.TEXT, "", skipped=item.reason), "", local.rules
        )
        findings.extend(res.findings)
        stats.skipped += 1
    say(f"extracted {len(sources)} files ({stats.from_cache} from cache)")

    system = assemble(settings.root, facts, cfg.services)
    for rule in project_rules:
        try:
            findings.extend(rule.check_project(system))
        except Exception as exc:
            notes.append(
                Notification(
                    message=f"rule {rule.code} failed: internal error ({type(exc).__name__}); "
                    "please report it",
                    rule=rule.code,
                    detail="".join(traceback.format_tb(exc.__traceback__)) + type(exc).__name__,
                )
            )

    unused_rule = next((r for r in rules if r.code == "ARC003"), None)
    filtered = apply_filters(
        findings,
        {f.path: f for f in facts},
        settings.registry,
        settings.enabled,
        per_file,
        unused_rule,
    )
    masked = [f for f in findings if f.masks]
    out = RunResult(
        root=settings.root,
        findings=filtered.findings,
        rules=rules,
        notifications=notes,
        stats=stats,
        suppressed=filtered.suppressed,
        files=facts,
        masked=masked,
        system=system,
        source=SourceReader(
            settings.root, [*filtered.findings, *masked], (f.path for f in facts if f.problems)
        ),
    )
    _apply_baseline(settings, out)
    for scope in settings.scopes:
        out.findings, dropped = narrow(out.findings, [scope])
        if dropped:
            out.out_of_scope += dropped
            out.scope_notes.append(scope.describe(dropped))
    return out


def _apply_baseline(settings: Settings, result: RunResult) -> None:
    """Write the baseline if asked, then leave out the findings it holds."""
    if settings.baseline is None and settings.write_baseline is None:
        return
    assert result.source is not None
    keys = [baselines.key_of(f, result.source) for f in result.findings]
    checked = [_relative(p, settings.root) for p in settings.paths]

    def covers(key: baselines.Key) -> bool:
        """Could this run have produced a finding with this key?"""
        if key.rule not in settings.enabled:
            return False
        return any(c == "" or key.path == c or key.path.startswith(c + "/") for c in checked)

    current = settings.baseline
    if settings.write_baseline is not None:
        current = baselines.build(
            settings.write_baseline, result.findings, keys, settings.baseline, covers
        )
        baselines.write(current)
        result.baseline_written = len(current.counts)
    assert current is not None
    applied = baselines.apply(current, result.findings, keys, covers)
    result.findings = applied.new
    result.baseline = current.path
    result.baselined = applied.baselined
    result.baseline_unmatched = applied.unmatched
