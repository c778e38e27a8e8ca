"""JSON output, schema version 1 (documented in README.md, "JSON output").

Stable: keys are only ever added within a version; a breaking change bumps `version`.
"""

from __future__ import annotations

import json
from typing import Any

import archlint
from archlint.model import Location
from archlint.report import ReportContext

SCHEMA_VERSION = 1


def _loc(loc: Location) -> dict[str, Any]:
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }


def render_json(ctx: ReportContext) -> str:
    res = ctx.result
    findings = []
    for f in ctx.sorted_findings():
        findings.append(
            {
                "code": f.code,
                "name": ctx.rule_name(f.code),
                "level": f.level.value,
                "message": f.message,
                **_loc(f.location),
                "snippet": ctx.snippet(f),
                "fingerprint": f.fingerprint,
                "related": [
                    {**_loc(r), "message": m}
                    for r, m in zip(
                        f.related, f.related_messages or [""] * len(f.related), strict=False
                    )
                ],
                "flow": [
                    {**_loc(r), "message": m}
                    for r, m in zip(f.flow, f.flow_messages or [""] * len(f.flow), strict=False)
                ],
            }
        )
    counts = {
        lvl: sum(1 for f in res.findings if f.level.value == lvl)
        for lvl in ("error", "warning", "note")
    }
    doc = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "archlint", "version": archlint.__version__},
        "root": str(res.root),
        "findings": findings,
        "summary": {
            "files": res.stats.files,
            "files_from_cache": res.stats.from_cache,
            "findings": len(res.findings),
            "by_level": counts,
            "suppressed": res.suppressed,
            "baselined": res.baselined,
            "baseline_unmatched": res.baseline_unmatched,
            "not_in_scope": res.out_of_scope,
            "rules": [r.code for r in res.rules],
        },
        "notifications": [
            {"message": n.message, "path": n.path, "rule": n.rule, "level": n.level.value}
            for n in res.notifications
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
