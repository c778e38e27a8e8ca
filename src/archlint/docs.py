"""Rule pages (`rules/ARC501-hardcoded-secret.md`): one text feeds `archlint rules`,
`archlint explain RULE` and SARIF rule metadata.

A page starts with `# ARC501: hardcoded-secret`, then a one-paragraph summary (the rule's short
description), then sections. Examples are fenced code blocks whose info string names a file and
what the rule must do with it, e.g. ```` ```python path=app/settings.py expect=fire ````.
An example that needs more files (a second service, a compose file) names a group,
``example=chain``, and the other files of the group say ``expect=context example=chain``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

DOCS_BASE_URL = "https://github.com/archlint/archlint/blob/main/rules/"
_FENCE_RE = re.compile(r"^```(\w[\w+-]*)?([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
_ATTR_RE = re.compile(r"(\w[\w-]*)=(\S+)")


@dataclass(frozen=True, slots=True)
class Example:
    path: str
    expect: str  # "fire" or "pass"
    code: str
    lines: tuple[int, ...] = ()  # where it must fire, if the page says
    # Other files of the same example project (fences with `expect=context example=NAME`):
    # cross-service rules need several services to show anything.
    context: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RulePage:
    code: str
    name: str
    file: Path
    summary: str
    markdown: str
    examples: tuple[Example, ...]

    @property
    def url(self) -> str:
        return DOCS_BASE_URL + self.file.name


def pages_dir() -> Path:
    """Installed wheels carry the pages as package data; a source checkout has them at the top."""
    packaged = Path(__file__).parent / "_rule_pages"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def parse_page(path: Path) -> RulePage:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"#\s*(\w+):?\s+([a-z0-9-]+)\s*\n", text)
    if not m:
        raise ValueError(f"{path}: the first line must be '# CODE: name'")
    rest = text[m.end() :].lstrip("\n")
    summary = " ".join(rest.split("\n\n", 1)[0].split())
    examples: list[tuple[str, Example]] = []
    context: dict[str, list[tuple[str, str]]] = {}
    for fence in _FENCE_RE.finditer(text):
        attrs = dict(_ATTR_RE.findall(fence.group(2)))
        if "path" not in attrs:
            continue
        group = attrs.get("example", "")
        if attrs.get("expect") == "context" and group:
            context.setdefault(group, []).append((attrs["path"], fence.group(3)))
        elif attrs.get("expect") in ("fire", "pass"):
            lines = tuple(int(x) for x in attrs.get("lines", "").split(",") if x)
            examples.append((group, Example(attrs["path"], attrs["expect"], fence.group(3), lines)))
    done = tuple(
        Example(ex.path, ex.expect, ex.code, ex.lines, tuple(context.get(group, ())))
        if group
        else ex
        for group, ex in examples
    )
    return RulePage(m.group(1), m.group(2), path, summary, text, done)


@functools.cache
def all_pages() -> dict[str, RulePage]:
    """Pages by rule code."""
    out: dict[str, RulePage] = {}
    folder = pages_dir()
    if folder.is_dir():
        for f in sorted(folder.glob("*.md")):
            if re.match(r"[A-Z]+\d{3}-", f.name):
                page = parse_page(f)
                out[page.code] = page
    return out


def page_for(code: str) -> RulePage | None:
    return all_pages().get(code)
