"""ARC501 hardcoded-secret: credentials committed in any file the project holds."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from archlint.model import FileKind, Finding, Level, Location
from archlint.rule import FileContext, FileRule, Option, mask_location
from archlint.rules.secret_patterns import is_placeholder, judge_named_value, mask, scan_text

LOCK_FILES = frozenset(
    {
        "poetry.lock",
        "pipfile.lock",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "uv.lock",
        "pdm.lock",
        "cargo.lock",
        "go.sum",
        "composer.lock",
        "gemfile.lock",
        "packages.lock.json",
        "requirements.lock",
    }
)
_KIND_WORDS = {
    FileKind.PYTHON: "Python code",
    FileKind.OPENAPI: "an OpenAPI document",
    FileKind.SQL: "SQL",
    FileKind.COMPOSE: "a compose file",
    FileKind.KUBERNETES: "a Kubernetes manifest",
    FileKind.DOTENV: "a committed .env file",
    FileKind.CONFIG: "a config file",
    FileKind.TEXT: "a committed file",
}


class HardcodedSecret(FileRule):
    """Passwords, API keys, tokens and private keys written into the repository."""

    code = "ARC501"
    name = "hardcoded-secret"
    default_level = Level.ERROR
    tags = ("security", "secrets", "external/cwe/cwe-798")
    precision = "high"
    security_severity = 8.0
    options_spec = (
        Option(
            "test-level",
            "note",
            "Level for secrets in the project's own tests and fixtures (tests/, test_*.py, "
            "conftest.py, fixtures/, testdata/): 'note', 'warning', 'error', or 'off'.",
            choices=("note", "warning", "error", "off"),
        ),
        Option(
            "allowed-values",
            [],
            "Values that are known not to be secrets in this project (e.g. a shared local "
            "development token); compared exactly.",
        ),
    )

    def check_file(self, ctx: FileContext) -> Iterable[Finding]:
        if ctx.path.rsplit("/", 1)[-1].lower() in LOCK_FILES:
            return
        level = self.level
        if ctx.is_test_file:
            test_level = self.options["test-level"]
            if test_level == "off":
                return
            level = Level(test_level)
        allowed = set(self.options["allowed-values"])
        where = _KIND_WORDS[ctx.kind]
        taken: list[Location] = []
        for match in scan_text(ctx.text):
            value = ctx.text[match.start : match.end]
            if value in allowed:
                continue
            loc = ctx.span(match.start, match.end)
            taken.append(loc)
            yield self._finding(f"{match.detector} in {where}", value, loc, level)
        for nv in ctx.facts.named_values:
            if nv.value in allowed or any(_overlaps(nv.location, t) for t in taken):
                continue
            detector = judge_named_value(nv.name, nv.value)
            if detector is None:
                continue
            loc = ctx.narrow(nv.location, nv.value)
            yield self._finding(f"{detector} in {where}", nv.value, loc, level)

    def _finding(self, what: str, value: str, loc: Location, level: Level) -> Finding:
        digest = hashlib.sha256(f"archlint-secret|{value}".encode()).hexdigest()[:24]
        shown = "" if "\n" in value or is_placeholder(value) else f" ({mask(value)})"
        return self.finding(
            f"Hardcoded secret: {what}{shown}; read it from the environment or a secret store "
            "and rotate it",
            loc,
            level=level,
            masks=mask_location(loc),
            fingerprint=f"secret:{digest}",
        )


def _overlaps(a: Location, b: Location) -> bool:
    return (a.line, a.column) < (b.end_line, b.end_column) and (b.line, b.column) < (
        a.end_line,
        a.end_column,
    )
