"""Inline suppression comments: `# archlint: ignore[ARC501, hardcoded-secret]`.

Parsed in one place for every file kind. `#` starts a comment in Python, YAML, .env, INI and
TOML; `--` in SQL. A comment alone on its line applies to the next line that holds code;
`archlint: ignore-file[...]` applies to the whole file.
"""

from __future__ import annotations

import re

from archlint.model import FileKind, Location, Suppression

_HASH_RE = re.compile(r"#\s*archlint\s*:\s*(ignore-file|ignore)\b(?:\[([^\]\n]*)\])?", re.I)
_DASH_RE = re.compile(r"--\s*archlint\s*:\s*(ignore-file|ignore)\b(?:\[([^\]\n]*)\])?", re.I)

_MARKER = "archlint"


def comment_pattern(kind: FileKind) -> re.Pattern[str]:
    """SQL comments start with `--`; every other format we read uses `#` (JSON has no comments,
    and a `#` inside a JSON string is not followed by `archlint:` in practice)."""
    return _DASH_RE if kind is FileKind.SQL else _HASH_RE


def parse_suppressions(text: str, kind: FileKind, path: str) -> tuple[Suppression, ...]:
    """Every suppression comment in `text`, with the line each one silences."""
    if _MARKER not in text and _MARKER.upper() not in text:
        return ()
    pattern = comment_pattern(kind)
    lines = text.split("\n")
    out: list[Suppression] = []
    pending: list[tuple[int, re.Match[str]]] = []  # own-line comments waiting for a code line
    comment_lead = "--" if kind is FileKind.SQL else "#"
    for idx, line in enumerate(lines, start=1):
        m = pattern.search(line)
        stripped = line.strip()
        if m is None:
            if pending and stripped and not stripped.startswith(comment_lead):
                out.extend(_make(path, ln, pm, target=idx) for ln, pm in pending)
                pending.clear()
            continue
        if m.group(1).lower() == "ignore-file":
            out.append(_make(path, idx, m, target=0))
            continue
        if line[: m.start()].strip():
            out.append(_make(path, idx, m, target=idx))
        else:
            pending.append((idx, m))
    # Comments at the end of the file silence nothing; keep them so they show up as unused.
    out.extend(_make(path, ln, pm, target=-1) for ln, pm in pending)
    return tuple(out)


def _make(path: str, line: int, m: re.Match[str], target: int) -> Suppression:
    codes = tuple(c.strip() for c in (m.group(2) or "").split(",") if c.strip())
    return Suppression(
        location=Location(path, line, m.start() + 1, line, m.end() + 1),
        codes=codes,
        target_line=target,
        file_level=target == 0,
    )
