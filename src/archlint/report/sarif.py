"""SARIF 2.1.0 for GitHub code scanning.

What GitHub needs, and why each piece is here: relative URIs under `%SRCROOT%` (so alerts map to
files in the repository), `partialFingerprints.primaryLocationLineHash` computed exactly as the
upload action would (so alerts are tracked across runs, not re-opened), rule metadata with help
text from the rule pages, `security-severity` on security rules (GitHub's severity levels), and
`automationDetails.id` (so a monorepo can upload several categories).
"""

from __future__ import annotations

import json
from typing import Any

import archlint
from archlint.baseline import stable_ids
from archlint.model import Finding, Level, Location
from archlint.report import ReportContext
from archlint.rule import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/archlint/archlint"


def _rule_descriptor(ctx: ReportContext, rule: Rule) -> dict[str, Any]:
    page = ctx.page(rule.code)
    summary = ctx.summary(rule) or rule.name
    help_text = page.markdown if page else summary
    props: dict[str, Any] = {
        "tags": sorted({*rule.tags, rule.family()}),
        "precision": rule.precision,
    }
    if rule.security_severity is not None:
        props["security-severity"] = f"{rule.security_severity:.1f}"
    desc: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": rule.level.value},
        "properties": props,
    }
    uri = rule.help_uri or (page.url if page else "")
    if uri:
        desc["helpUri"] = uri
    return desc


def _region(ctx: ReportContext, loc: Location, snippet: str | None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": loc.line, "startColumn": loc.column}
    region["endLine"] = loc.end_line
    if loc.end_column > 0 and (loc.end_line > loc.line or loc.end_column > loc.column):
        region["endColumn"] = loc.end_column
    if snippet is not None:
        region["snippet"] = {"text": snippet}
    return region


def _physical(ctx: ReportContext, loc: Location, snippet: str | None = None) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": ctx.uri(loc.path), "uriBaseId": "%SRCROOT%"},
            "region": _region(ctx, loc, snippet),
        }
    }


def _result(ctx: ReportContext, f: Finding, index: dict[str, int], stable: str) -> dict[str, Any]:
    loc = f.location
    # The baseline key of the finding (its content, never its line number) and its occurrence:
    # code scanning keeps tracking the alert when lines move.
    fingerprints = {"archlint/v2": stable}
    line_hash = ctx.source.line_hash(loc.path, loc.line)
    if line_hash is not None:
        fingerprints["primaryLocationLineHash"] = line_hash
    out: dict[str, Any] = {
        "ruleId": f.code,
        "level": f.level.value,
        "message": {"text": f.message},
        "locations": [_physical(ctx, loc, ctx.snippet(f))],
        "partialFingerprints": fingerprints,
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.related:
        messages = f.related_messages or ("",) * len(f.related)
        out["relatedLocations"] = [
            {"id": i, **_physical(ctx, r), **({"message": {"text": m}} if m else {})}
            for i, (r, m) in enumerate(zip(f.related, messages, strict=False), start=1)
        ]
    if f.flow:
        messages = f.flow_messages or ("",) * len(f.flow)
        out["codeFlows"] = [
            {
                "threadFlows": [
                    {
                        "locations": [
                            {
                                "location": {
                                    **_physical(ctx, step),
                                    **({"message": {"text": m}} if m else {}),
                                },
                                "nestingLevel": 0,
                                "executionOrder": i,
                            }
                            for i, (step, m) in enumerate(
                                zip(f.flow, messages, strict=False), start=1
                            )
                        ]
                    }
                ]
            }
        ]
    return out


def render_sarif(ctx: ReportContext) -> str:
    res = ctx.result
    rules = sorted(res.rules, key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    notifications = [
        {
            "level": "error" if n.level is Level.ERROR else "warning",
            "message": {"text": n.message},
            **({"locations": [_physical(ctx, Location(n.path, 1))]} if n.path else {}),
            **({"associatedRule": {"id": n.rule}} if n.rule else {}),
        }
        for n in res.notifications
    ]
    findings = ctx.sorted_findings()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "archlint",
                "version": archlint.__version__,
                "semanticVersion": archlint.__version__,
                "informationUri": INFO_URI,
                "rules": [_rule_descriptor(ctx, r) for r in rules],
            }
        },
        "automationDetails": {"id": ctx.automation_id},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": ctx.srcroot.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": not any(n.level is Level.ERROR for n in res.notifications),
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [
            _result(ctx, f, index, stable)
            for f, stable in zip(findings, stable_ids(findings, ctx.source), strict=True)
        ],
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
