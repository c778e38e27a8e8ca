"""The filter stage: per-file ignores, inline suppressions, and unused suppressions (ARC003).

Rule selection happens before rules run (a disabled rule costs nothing); this stage removes what
the user silenced for particular files and lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pathspec

from archlint.model import FileFacts, Finding, Suppression
from archlint.registry import Registry
from archlint.rule import Rule


@dataclass
class FilterResult:
    findings: list[Finding]
    suppressed: int


class PerFileIgnores:
    """`per-file-ignores = { "tests/**" = ["ARC501"] }`: gitignore-style globs to selectors."""

    def __init__(self, table: Mapping[str, Sequence[str]], registry: Registry):
        self.entries = [
            (pathspec.GitIgnoreSpec.from_lines([glob]), list(sels)) for glob, sels in table.items()
        ]
        for sels in table.values():
            for sel in sels:
                registry.expand(sel)  # unknown names are a config error, raised early
        self.registry = registry

    def ignores(self, finding: Finding) -> bool:
        path = finding.location.path
        return any(
            spec.match_file(path) and any(self.registry.matches(s, finding.code) for s in sels)
            for spec, sels in self.entries
        )


def _covers(sup: Suppression, finding: Finding, registry: Registry) -> bool:
    if not sup.file_level:
        loc = finding.location
        if sup.target_line not in (loc.line, loc.end_line):
            return False
    return not sup.codes or any(registry.matches(c, finding.code) for c in sup.codes)


def apply_filters(
    findings: Iterable[Finding],
    facts: Mapping[str, FileFacts],
    registry: Registry,
    enabled: set[str],
    per_file: PerFileIgnores,
    unused_rule: Rule | None,
) -> FilterResult:
    """Drop findings silenced by config or comments; report suppressions that silenced nothing."""
    kept: list[Finding] = []
    used: set[int] = set()
    suppressed = 0
    sups_by_path = {p: f.suppressions for p, f in facts.items() if f.suppressions}
    for finding in findings:
        if finding.code not in enabled or per_file.ignores(finding):
            continue
        hit = False
        for sup in sups_by_path.get(finding.location.path, ()):
            if _covers(sup, finding, registry):
                used.add(id(sup))
                hit = True
        if hit:
            suppressed += 1
        else:
            kept.append(finding)
    if unused_rule is not None:
        for sups in sups_by_path.values():
            for sup in sups:
                if id(sup) in used:
                    continue
                unused = _unused_finding(sup, registry, enabled, unused_rule)
                if unused is not None and not per_file.ignores(unused):
                    kept.append(unused)
    kept.sort(key=Finding.sort_key)
    return FilterResult(kept, suppressed)


def _unused_finding(
    sup: Suppression, registry: Registry, enabled: set[str], rule: Rule
) -> Finding | None:
    unknown = [c for c in sup.codes if registry.codes_for(c) is None]
    if unknown:
        return rule.finding(
            f"suppression names unknown rule{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}; `archlint rules` lists them",
            sup.location,
            fingerprint=f"unknown:{','.join(unknown)}",
        )
    # Only a suppression whose rules all ran can be known to be unused; for a bare one, that is
    # every rule enabled by default.
    if sup.codes:
        named = set().union(*(registry.codes_for(c) or set() for c in sup.codes))
    else:
        named = {c for c, e in registry.entries.items() if e.cls.enabled_by_default}
    if not named <= enabled:
        return None
    what = f"[{', '.join(sup.codes)}]" if sup.codes else ""
    scope = "in this file" if sup.file_level else "on its line"
    if sup.target_line == -1:
        scope = "(it is followed by no code)"
    return rule.finding(
        f"unused suppression `archlint: ignore{'-file' if sup.file_level else ''}{what}`: no "
        f"finding {scope} matches it; remove it",
        sup.location,
        fingerprint=f"unused:{','.join(sup.codes)}",
    )
