"""The extract stage: one file's bytes in, its facts and file-rule findings out.

`extract_file` is a pure function of the file's bytes (plus the rule set), so its result is
cached by content hash and it runs in worker processes. Nothing in here raises for bad input:
a file that cannot be read or parsed becomes a ParseProblem (ARC001) or a skip (ARC004).
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Sequence
from dataclasses import replace

from archlint.extract.decode import decode, looks_binary
from archlint.model import (
    FileFacts,
    FileKind,
    FileResult,
    Finding,
    Location,
    NamedValue,
    Notification,
    ParseProblem,
    SourceFile,
)
from archlint.rule import FileContext, FileRule
from archlint.suppressions import parse_suppressions


def read_facts(src: SourceFile, text: str, content_hash: str) -> FileFacts:
    """Run the reader for the file's format; classify YAML/JSON by content."""
    # Imported here, not at the top: a run served from the cache never loads the readers
    # (sqlglot, ruamel, …), which is a tenth of a warm run's time (bench/RESULTS.md).
    from archlint.extract.config import read_dotenv, read_ini, read_json, read_toml
    from archlint.extract.deploy import read_compose, read_dotenv_values, read_kubernetes
    from archlint.extract.openapi import read_openapi_json, read_openapi_yaml
    from archlint.extract.python import read_python
    from archlint.extract.sql import read_sql, read_sql_facts
    from archlint.extract.yamlfile import classify_yaml, read_yaml

    path, kind = src.path, src.kind
    values: list[NamedValue] = []
    problem: ParseProblem | None = None
    problems: list[ParseProblem] = []
    documents = 0
    fmt = src.format
    python = openapi = sql = deploy = None
    if fmt == "python":
        values, problem, python = read_python(text, path)
    elif fmt == "yaml":
        yf = read_yaml(text, path)
        values, problem, documents = yf.named_values, yf.problem, yf.documents
        kind = classify_yaml(yf, kind)
        if kind is FileKind.OPENAPI:
            openapi = read_openapi_yaml(yf.nodes, text, path)
        elif kind is FileKind.COMPOSE:
            deploy = read_compose(yf.nodes, path)
        elif kind is FileKind.KUBERNETES:
            deploy = read_kubernetes(yf.nodes, path)
    elif fmt == "json":
        values, problem, data = read_json(text, path)
        if isinstance(data, dict) and ("openapi" in data or "swagger" in data):
            kind = FileKind.OPENAPI
            openapi = read_openapi_json(data, text, path)
    elif fmt == "toml":
        values, problem = read_toml(text, path)
    elif fmt == "ini":
        values = read_ini(text, path)
    elif fmt == "dotenv":
        values, problem = read_dotenv(text, path)
        deploy = read_dotenv_values(values, path)
    elif fmt == "sql":
        values, problem = read_sql(text, path)
        if problem is None:
            sql, problems = read_sql_facts(text, path)
    if problem is not None:
        problems.insert(0, problem)
    return FileFacts(
        path=path,
        kind=kind,
        content_hash=content_hash,
        line_count=text.count("\n") + (0 if text.endswith("\n") or not text else 1),
        named_values=tuple(values),
        suppressions=parse_suppressions(text, kind, path),
        problems=tuple(problems),
        yaml_documents=documents,
        python=python,
        openapi=openapi,
        sql=sql,
        deploy=deploy,
    )


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract_file(
    src: SourceFile,
    data: bytes,
    rules: Sequence[FileRule],
    max_file_size: int,
    digest: str | None = None,
) -> FileResult:
    """Facts and file-rule findings for one file's bytes (`digest`: their content_hash, if the
    caller already has it)."""
    digest = digest or content_hash(data)
    base = FileFacts(path=src.path, kind=src.kind, content_hash=digest)
    if len(data) > max_file_size:
        facts = replace(
            base,
            skipped=f"larger than max-file-size ({len(data):,} > {max_file_size:,} bytes)",
        )
        return run_file_rules(facts, "", rules)
    if looks_binary(data):
        if src.format == "text":
            return FileResult(base)  # images, archives, … : nothing to read
        problem = ParseProblem(
            f"binary content (NUL bytes) in a file named like {src.format.upper()}",
            _first_nul(data, src.path),
        )
        return run_file_rules(replace(base, problems=(problem,)), "", rules)
    decoded = decode(data, src.kind, src.path)
    if isinstance(decoded, ParseProblem):
        if src.format == "text":
            return FileResult(base)  # a Latin-1 README is not our business
        return run_file_rules(replace(base, problems=(decoded,)), "", rules)
    try:
        facts = read_facts(src, decoded, digest)
    except Exception as exc:  # a reader bug must not take the run down
        note = _internal(f"reading {src.path} failed", src.path, "", exc)
        return FileResult(base, notifications=(note,))
    return run_file_rules(facts, decoded, rules)


def _first_nul(data: bytes, path: str) -> Location:
    offset = data.find(b"\x00")
    line = data.count(b"\n", 0, offset) + 1
    return Location(path, line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1)


def run_file_rules(facts: FileFacts, text: str, rules: Sequence[FileRule]) -> FileResult:
    """Run the file rules that apply to a file's kind; a crashing rule becomes a Notification."""
    ctx = FileContext(facts, text)
    findings: list[Finding] = []
    notes: list[Notification] = []
    for rule in rules:
        if facts.kind not in rule.file_kinds:
            continue
        if (facts.skipped or not text) and not rule.sees_unreadable_files:
            continue
        try:
            findings.extend(rule.check_file(ctx))
        except Exception as exc:
            notes.append(
                _internal(f"rule {rule.code} failed on {facts.path}", facts.path, rule.code, exc)
            )
    return FileResult(facts, tuple(findings), tuple(notes))


def _internal(message: str, path: str, rule: str, exc: BaseException) -> Notification:
    # The exception's own message may quote scanned content (a secret): only its type is shown,
    # and the traceback (frames only) goes to --verbose.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return Notification(
        message=f"{message}: internal error ({type(exc).__name__}); please report it",
        path=path,
        rule=rule,
        detail=f"Traceback (most recent call last):\n{frames}{type(exc).__name__}",
    )
