"""`archlint graph`: the assembled System as JSON (schema version 1, see docs/graph.md),
Mermaid or Graphviz dot. The JSON form is the contract; the drawings are made from it."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from archlint.assemble import Endpoint, System
from archlint.location import Location

SCHEMA_VERSION = 1


def _where(loc: Location | None) -> dict[str, Any]:
    return {"file": loc.path, "line": loc.line} if loc is not None else {"file": None, "line": None}


def _ep(ep: Endpoint | None) -> str | None:
    return f"{ep.method} {ep.path}" if ep is not None else None


def graph_data(system: System) -> dict[str, Any]:
    services = []
    db_users: dict[str, set[str]] = defaultdict(set)
    db_ids: dict[str, Any] = {}
    tables: dict[str, dict[str, set[str]]] = defaultdict(
        lambda: {"owners": set(), "declarers": set(), "users": set()}
    )
    for svc in sorted(system.services.values(), key=lambda s: s.name):
        dbs = sorted({d.identity.label for d in svc.databases if d.identity is not None})
        for d in svc.databases:
            if d.identity is not None:
                db_users[d.identity.label].add(svc.name)
                db_ids[d.identity.label] = d.identity
        creates = sorted({t.table for t in svc.tables if t.op == "create"})
        declares = sorted({t.table for t in svc.tables if t.op == "model"})
        uses = sorted({t.table for t in svc.tables if t.op not in {"create", "model"}})
        for t in creates:
            tables[t]["owners"].add(svc.name)
        for t in declares:
            tables[t]["declarers"].add(svc.name)
        for t in [*declares, *uses]:
            tables[t]["users"].add(svc.name)
        services.append(
            {
                "name": svc.name,
                "roots": svc.roots,
                "source": svc.source,
                "kind": "grpc" if svc.grpc and not svc.http else "http" if svc.http else "worker",
                "http": svc.http,
                "grpc": svc.grpc,
                "processes": [
                    {"name": p.name, "source": p.source, "kind": p.kind, "command": p.command}
                    for p in svc.processes
                ],
                "endpoints": [
                    {
                        "method": e.method,
                        "path": e.path,
                        "handler": e.handler,
                        **_where(e.location),
                        "async": e.is_async,
                        "query_params": list(e.query_params),
                        "returns_list": e.returns_list,
                        "paginated": e.paginated,
                        "source": e.source,
                    }
                    for e in svc.endpoints
                ],
                "databases": dbs,
                "tables": {"creates": creates, "declares": declares, "uses": uses},
                "drift": [{"message": m, **_where(loc)} for m, loc in svc.drift],
            }
        )
    # A table created by migrations is owned by its creators; one only declared by ORM models
    # is owned by the services that declare it.
    for entry in tables.values():
        if not entry["owners"]:
            entry["owners"] = set(entry["declarers"])
    calls = []
    externals: set[str] = set()
    for c in sorted(system.calls, key=lambda c: (c.location.path, c.location.line)):
        if c.external_host:
            externals.add(c.external_host)
        calls.append(
            {
                "from": c.service,
                "to": c.target or None,
                "external": c.external_host or None,
                "kind": c.kind,
                "library": c.library,
                "method": c.method,
                "url": c.url,
                "endpoint": _ep(c.target_endpoint),
                **_where(c.location),
                "function": c.function,
                "timeout": c.timeout,
                "async": c.is_async,
                "reached_from": sorted({_ep(e) or "" for e in c.reached_from}),
                "unresolved": list(c.unresolved),
            }
        )
    topics: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(
        lambda: {"producers": set(), "consumers": set()}
    )
    brokers = []
    for b in sorted(system.broker_edges, key=lambda b: (b.location.path, b.location.line)):
        topics[(b.broker, b.topic)]["producers" if b.role == "produce" else "consumers"].add(
            b.service
        )
        brokers.append(
            {
                "service": b.service,
                "broker": b.broker,
                "role": b.role,
                "topic": b.topic,
                **_where(b.location),
                "function": b.function,
            }
        )
    return {
        "version": SCHEMA_VERSION,
        "services": services,
        "calls": calls,
        "brokers": brokers,
        "topics": [
            {
                "broker": broker,
                "name": name,
                "producers": sorted(v["producers"]),
                "consumers": sorted(v["consumers"]),
            }
            for (broker, name), v in sorted(topics.items())
        ],
        "databases": [
            {
                "id": label,
                "engine": db_ids[label].engine,
                "host": db_ids[label].host,
                "port": db_ids[label].port,
                "name": db_ids[label].name,
                "services": sorted(users),
                "shared": len(users) > 1,
            }
            for label, users in sorted(db_users.items())
        ],
        "tables": [
            {"name": name, "owners": sorted(v["owners"]), "users": sorted(v["users"])}
            for name, v in sorted(tables.items())
        ],
        "externals": sorted(externals),
        "unresolved": [
            {**_where(loc), "reason": reason}
            for loc, reason in sorted(
                system.unresolved, key=lambda x: (x[0].path, x[0].line) if x[0] else ("", 0)
            )
        ],
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def _id(prefix: str, name: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _label(text: str) -> str:
    return text.replace('"', "'")


def _edges(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Synchronous service → service / external edges, labelled with the endpoints called."""
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in data["calls"]:
        if c["to"]:
            dst = _id("svc_", c["to"])
        elif c["external"]:
            dst = _id("ext_", c["external"])
        else:
            continue
        labels[(_id("svc_", c["from"]), dst)].add(c["endpoint"] or f"{c['method']} {c['url']}")
    return [(s, d, ", ".join(sorted(v))) for (s, d), v in sorted(labels.items())]


def to_mermaid(data: dict[str, Any]) -> str:
    lines = ["flowchart LR"]
    for s in data["services"]:
        marks = [k for k in ("http", "grpc") if s[k]] or ["worker"]
        label = f"{s['name']}<br/><small>{' · '.join(marks)}</small>"
        node = _id("svc_", s["name"])
        lines.append(
            f'  {node}["{_label(label)}"]'
            if s["http"] or s["grpc"]
            else f'  {node}(["{_label(label)}"])'
        )
    for host in data["externals"]:
        lines.append(f'  {_id("ext_", host)}{{{{"{_label(host)}"}}}}')
    for db in data["databases"]:
        lines.append(f'  {_id("db_", db["id"])}[("{_label(db["id"])}")]')
    for t in data["topics"]:
        lines.append(
            f'  {_id("topic_", t["broker"] + "_" + t["name"])}>"{_label(t["broker"])}: {_label(t["name"])}"]'
        )
    for src, dst, label in _edges(data):
        lines.append(f'  {src} -->|"{_label(label)}"| {dst}')
    for t in data["topics"]:
        tid = _id("topic_", t["broker"] + "_" + t["name"])
        for p in t["producers"]:
            lines.append(f"  {_id('svc_', p)} -.-> {tid}")
        for c in t["consumers"]:
            lines.append(f"  {tid} -.-> {_id('svc_', c)}")
    for db in data["databases"]:
        for s in db["services"]:
            lines.append(f"  {_id('svc_', s)} --- {_id('db_', db['id'])}")
    shared = [_id("db_", db["id"]) for db in data["databases"] if db["shared"]]
    if shared:
        lines.append("  classDef shared fill:#fdd,stroke:#c00,stroke-width:2px")
        lines.append(f"  class {','.join(shared)} shared")
    return "\n".join(lines) + "\n"


def to_dot(data: dict[str, Any]) -> str:
    lines = ["digraph archlint {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for s in data["services"]:
        marks = [k for k in ("http", "grpc") if s[k]] or ["worker"]
        shape = "box" if s["http"] or s["grpc"] else "component"
        lines.append(
            f'  {_id("svc_", s["name"])} [label="{s["name"]}\\n{" · ".join(marks)}", shape={shape}];'
        )
    for host in data["externals"]:
        lines.append(f'  {_id("ext_", host)} [label="{host}", shape=hexagon];')
    for db in data["databases"]:
        style = ', style=filled, fillcolor="#ffdddd", color="#cc0000"' if db["shared"] else ""
        lines.append(
            f'  {_id("db_", db["id"])} [label="{_label(db["id"])}", shape=cylinder{style}];'
        )
    for t in data["topics"]:
        lines.append(
            f'  {_id("topic_", t["broker"] + "_" + t["name"])} [label="{t["broker"]}: {_label(t["name"])}", shape=cds];'
        )
    for src, dst, label in _edges(data):
        lines.append(f'  {src} -> {dst} [label="{_label(label)}"];')
    for t in data["topics"]:
        tid = _id("topic_", t["broker"] + "_" + t["name"])
        for p in t["producers"]:
            lines.append(f"  {_id('svc_', p)} -> {tid} [style=dashed];")
        for c in t["consumers"]:
            lines.append(f"  {tid} -> {_id('svc_', c)} [style=dashed];")
    for db in data["databases"]:
        for s in db["services"]:
            lines.append(f"  {_id('svc_', s)} -> {_id('db_', db['id'])} [arrowhead=none];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph(system: System, fmt: str) -> str:
    data = graph_data(system)
    if fmt == "json":
        return to_json(data)
    if fmt == "dot":
        return to_dot(data)
    return to_mermaid(data)


def unresolved_report(system: System) -> str:
    """What `--verbose` prints: every value archlint could not resolve, and why."""
    if not system.unresolved:
        return "archlint: every call target and database was resolved\n"
    lines = [f"archlint: {len(system.unresolved)} values left unresolved:"]
    for loc, reason in sorted(
        system.unresolved, key=lambda x: (x[0].path, x[0].line) if x[0] else ("", 0)
    ):
        where = f"{loc.path}:{loc.line}" if loc else "?"
        lines.append(f"  {where}: {reason}")
    return "\n".join(lines) + "\n"
