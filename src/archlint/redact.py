"""Secrets out of the cache.

The cache sits in the scanned tree and CI systems save and restore it (actions/cache), so it is
an output like any other: a secret's value must not be in it. Before a file's result is cached,
every text the findings mask (ARC501's secrets, credentials in OpenAPI `$ref` URLs) is replaced
by its masked form in every string of the result — facts, named values and findings alike.
The replacement keeps the shape of what it replaces (a DSN keeps its host and database), so a
warm run builds the same System as a cold one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from archlint.extract.decode import decode
from archlint.masking import mask
from archlint.model import FileResult

MIN_SECRET_LENGTH = 4  # shorter masked spans are not searched for (they would match anything)


def for_cache(result: FileResult, data: bytes) -> FileResult:
    """`redact` for the file's bytes, decoded only when a finding masks something. Named values
    (every literal bound to a name: what the secret rule reads) serve only the file rules, whose
    findings the entry already holds, so they are not cached: they are half of a warm run's
    decoding on a large tree, and the likeliest place for a secret."""
    if result.facts.named_values:
        result = dataclasses.replace(
            result, facts=dataclasses.replace(result.facts, named_values=())
        )
    if not any(f.masks for f in result.findings):
        return result
    text = decode(data, result.facts.kind, result.facts.path)
    return redact(result, text) if isinstance(text, str) else result


def masked_texts(result: FileResult, text: str) -> list[str]:
    """The source texts the result's findings mask, longest first."""
    if not text:
        return []
    lines: list[str] | None = None
    found: set[str] = set()
    for finding in result.findings:
        for m in finding.masks:
            if lines is None:
                lines = text.split("\n")
            if 1 <= m.line <= len(lines):
                value = lines[m.line - 1][m.column - 1 : m.end_column - 1]
                if len(value) >= MIN_SECRET_LENGTH:
                    found.add(value)
    return sorted(found, key=lambda v: (-len(v), v))


def redact(result: FileResult, text: str) -> FileResult:
    """`result` with every masked text replaced, wherever it appears; `result` itself when
    nothing is masked."""
    secrets = masked_texts(result, text)
    if not secrets:
        return result
    replaced: FileResult = _replace(result, [(s, mask(s)) for s in secrets])
    return replaced


def _replace(obj: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(obj, str):
        for secret, shown in pairs:
            if secret in obj:
                obj = obj.replace(secret, shown)
        return obj
    if isinstance(obj, tuple):
        return tuple(_replace(x, pairs) for x in obj)
    if isinstance(obj, list):
        return [_replace(x, pairs) for x in obj]
    if isinstance(obj, dict):
        return {_replace(k, pairs): _replace(v, pairs) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            new = _replace(value, pairs)
            if new is not value:
                changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj
    return obj
