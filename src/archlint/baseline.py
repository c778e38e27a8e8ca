"""Baselines: the findings a project accepted on a given day, so later runs report only new ones.

A finding is keyed by its rule, its file and a fingerprint of its own content — never its line
number, so adding lines above it or moving it within the file keeps it matched:

- a finding at one place: the rule's fingerprint (e.g. the hash of a secret's value, or the
  function and URL of a call) or else its message, plus the source line(s) it points at with all
  whitespace removed;
- a cross-service finding (related locations or a flow): the rule's fingerprint alone — service,
  database and endpoint names — so editing one of the lines involved does not make it new.

The file stores sha256 digests of that content, never source text, so a secret in a baselined
line is not written in clear. Identical keys are counted (two identical lines with the same
finding → count 2). Entries are sorted and paths are POSIX, relative to the project root, so the
file is byte-for-byte the same on every machine and diffs well in review.

The same keys, numbered per occurrence, are the SARIF `partialFingerprints` of a finding.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archlint.errors import UsageError
from archlint.model import Finding
from archlint.source import SourceReader

DEFAULT_FILE = ".archlint-baseline.json"
FORMAT = 1
_FRAME_LINES = 3  # the lines of a finding's region that go into its key
_ABOUT = (
    "Findings accepted when this baseline was written; `archlint check` reports only findings "
    "not listed here. Re-write it with `archlint check --write-baseline` after fixing some. "
    "Fingerprints are sha256 digests of the finding's rule, content and normalised source "
    "line(s); no source text is stored."
)


@dataclass(frozen=True, slots=True, order=True)
class Key:
    path: str
    rule: str
    fingerprint: str


def _normalised_region(finding: Finding, source: SourceReader) -> str:
    loc = finding.location
    lines = source.lines(loc.path)
    if lines is None:
        return ""
    last = min(loc.end_line, loc.line + _FRAME_LINES - 1, len(lines))
    return "\n".join("".join(lines[n - 1].split()) for n in range(loc.line, last + 1))


def key_of(finding: Finding, source: SourceReader) -> Key:
    """The finding's baseline key (see the module docstring)."""
    parts = [finding.code, finding.fingerprint or finding.message]
    if not (finding.related or finding.flow):
        parts.append(_normalised_region(finding, source))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return Key(finding.location.path, finding.code, digest[:20])


def stable_ids(findings: Sequence[Finding], source: SourceReader) -> list[str]:
    """A fingerprint per finding that survives unrelated edits and is unique within a run:
    the digest of its key, then `:n` for the n-th finding with that key (in report order)."""
    seen: Counter[Key] = Counter()
    out = []
    for f in findings:
        key = key_of(f, source)
        seen[key] += 1
        whole = hashlib.sha256(f"{key.rule}|{key.path}|{key.fingerprint}".encode()).hexdigest()
        out.append(f"{whole[:32]}:{seen[key]}")
    return out


@dataclass
class Baseline:
    path: Path
    counts: Counter[Key] = field(default_factory=Counter)
    messages: dict[Key, str] = field(default_factory=dict)


@dataclass
class Applied:
    new: list[Finding]
    baselined: int
    unmatched: int  # entries (counted) the run should have seen and did not: fixed


def load(path: Path) -> Baseline:
    """Read and check a baseline file; UsageError naming the file when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"baseline file not found: {path} (write one with `archlint check --write-baseline`)"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not an archlint baseline (not UTF-8 text)") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Baseline:
    def bad(why: str) -> UsageError:
        return UsageError(
            f"{path}: not an archlint baseline ({why}); re-write it with "
            f"`archlint check --write-baseline {path.name}`"
        )

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad(f"invalid JSON at line {exc.lineno}") from None
    if not isinstance(doc, dict) or "archlint-baseline" not in doc:
        raise bad('no "archlint-baseline" key')
    version = doc["archlint-baseline"]
    if version != FORMAT:
        if isinstance(version, int) and version > FORMAT:
            raise UsageError(
                f"{path}: baseline format {version} is newer than this archlint reads "
                f"({FORMAT}); upgrade archlint"
            )
        raise bad(f"unknown format {version!r}")
    entries = doc.get("findings")
    if not isinstance(entries, list):
        raise bad('"findings" is not a list')
    out = Baseline(path)
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("rule", "path", "fingerprint")
        ):
            raise bad(f"entry {i + 1} lacks rule, path or fingerprint")
        count = entry.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise bad(f"entry {i + 1}: count must be a whole number ≥ 1")
        key = Key(entry["path"], entry["rule"], entry["fingerprint"])
        out.counts[key] += count
        message = entry.get("message")
        if isinstance(message, str):
            out.messages.setdefault(key, message)
    return out


def check_writable(path: Path) -> None:
    """Refuse, before any work, to overwrite something that is not a baseline (a source file
    named by mistake: `--write-baseline app.py`)."""
    if path.is_dir():
        raise UsageError(
            f"--write-baseline {path}: is a folder; name a file such as {DEFAULT_FILE}"
        )
    if not path.exists():
        if not path.parent.is_dir():
            raise UsageError(f"--write-baseline {path}: folder {path.parent} does not exist")
        return
    try:
        load(path)
    except UsageError:
        raise UsageError(
            f"refusing to overwrite {path}: it is not an archlint baseline (to check it, put "
            "--write-baseline after the paths; to name the baseline, use --write-baseline=FILE)"
        ) from None


def apply(
    baseline: Baseline,
    findings: Sequence[Finding],
    keys: Sequence[Key],
    covers: Callable[[Key], bool],
) -> Applied:
    """Drop findings the baseline holds (up to each entry's count, in report order).

    `covers` says whether this run could have produced a finding with that key (its rule ran,
    its file was checked): only those entries count as no longer matching."""
    remaining = Counter(baseline.counts)
    new: list[Finding] = []
    baselined = 0
    for finding, key in zip(findings, keys, strict=True):
        if remaining[key] > 0:
            remaining[key] -= 1
            baselined += 1
        else:
            new.append(finding)
    unmatched = sum(n for key, n in remaining.items() if n > 0 and covers(key))
    return Applied(new, baselined, unmatched)


def build(
    path: Path,
    findings: Iterable[Finding],
    keys: Iterable[Key],
    previous: Baseline | None,
    covers: Callable[[Key], bool],
) -> Baseline:
    """The baseline of this run's findings, keeping the previous file's entries that this run
    could not have seen (rules that did not run, files outside the paths checked)."""
    out = Baseline(path)
    for finding, key in zip(findings, keys, strict=True):
        out.counts[key] += 1
        if key not in out.messages or finding.message < out.messages[key]:
            out.messages[key] = finding.message
    if previous is not None:
        for key, n in previous.counts.items():
            if not covers(key):
                out.counts[key] += n
                if key in previous.messages:
                    out.messages.setdefault(key, previous.messages[key])
    return out


def render(baseline: Baseline) -> str:
    """The file's text: deterministic, sorted, one entry per key, trailing newline."""
    entries: list[dict[str, Any]] = []
    for key in sorted(baseline.counts):
        entry: dict[str, Any] = {
            "path": key.path,
            "rule": key.rule,
            "fingerprint": key.fingerprint,
            "count": baseline.counts[key],
        }
        if key in baseline.messages:
            entry["message"] = baseline.messages[key]
        entries.append(entry)
    doc = {"archlint-baseline": FORMAT, "about": _ABOUT, "findings": entries}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(baseline: Baseline) -> None:
    tmp = baseline.path.with_name(baseline.path.name + ".tmp")
    try:
        tmp.write_text(render(baseline), encoding="utf-8", newline="\n")
        tmp.replace(baseline.path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write baseline {baseline.path}: {exc.strerror}") from None
