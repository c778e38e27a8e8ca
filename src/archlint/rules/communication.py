"""Communication rules: synchronous call chains (ARC201) and cycles (ARC202) between services,
HTTP/gRPC calls without a timeout (ARC203), blocking calls inside `async def` (ARC204)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from archlint.assemble import Call, Endpoint, Service, System
from archlint.facts import Function, HttpClient, OutboundCall
from archlint.location import Location
from archlint.model import Finding, Level
from archlint.resolve import split_url
from archlint.rule import Option, ProjectRule
from archlint.rules.system_view import (
    FunctionIndex,
    endpoint_label,
    production_python,
    python_files,
    services,
)

# ---------------------------------------------------------------------------------------------
# ARC201 / ARC202


def _sync_calls(system: System) -> list[Call]:
    """Calls from one service to another of this system (HTTP or gRPC), in a stable order."""
    out = [
        c
        for s in services(system)
        for c in s.calls
        if c.target and c.target != c.service and c.target in system.services
    ]
    return sorted(out, key=lambda c: (c.location.path, c.location.line, c.location.column))


def _call_label(call: Call) -> str:
    if call.target_endpoint is not None:
        return f"{call.target} {endpoint_label(call.target_endpoint)}"
    if call.kind == "grpc":
        return f"{call.target} (gRPC {call.method})"
    return f"{call.target} {call.method} {split_url(call.url)[2] or '/'}"


class SyncCallChain(ProjectRule):
    """A request that waits on a chain of synchronous calls through more than `max-hops`
    services."""

    code = "ARC201"
    name = "sync-call-chain"
    default_level = Level.WARNING
    tags = ("architecture", "resilience")
    precision = "high"
    options_spec = (
        Option(
            "max-hops",
            2,
            "Synchronous service-to-service calls allowed in a row while one request is served; "
            "with 2, A→B→C passes and A→B→C→D is reported.",
        ),
    )
    _BUDGET = 200_000  # DFS steps per run: bounded whatever the graph

    def check_project(self, system: System) -> Iterable[Finding]:
        calls = _sync_calls(system)
        if not calls:
            return
        max_hops = max(0, int(self.options["max-hops"]))
        by_endpoint: dict[int, list[Call]] = defaultdict(list)
        for call in calls:
            for ep in call.reached_from:
                by_endpoint[id(ep)].append(call)
        owner = {id(ep): s for s in services(system) for ep in s.endpoints}
        self._steps = 0
        best: dict[Location, tuple[Endpoint, list[Call]]] = {}
        for svc in services(system):
            for ep in svc.endpoints:
                for first in by_endpoint.get(id(ep), []):
                    chain = [first, *self._longest(first, by_endpoint, {svc.name, first.target})]
                    if len(chain) <= max_hops:
                        continue
                    known = best.get(first.location)
                    if known is None or len(chain) > len(known[1]):
                        best[first.location] = (ep, chain)
        for loc in sorted(best):
            ep, chain = best[loc]
            start = owner.get(id(ep))
            names = [start.name if start else chain[0].service, *(c.target for c in chain)]
            path = " → ".join(names)
            flow: list[tuple[Location, str]] = [
                (ep.site, f"{names[0]} serves {endpoint_label(ep)}")
            ]
            for call in chain:
                flow.append((call.location, f"{call.service} calls {_call_label(call)}"))
                if call.target_endpoint is not None:
                    flow.append(
                        (
                            call.target_endpoint.site,
                            f"{call.target} handles {endpoint_label(call.target_endpoint)}",
                        )
                    )
            yield self.finding(
                f"{endpoint_label(ep)} of {names[0]} waits on {len(chain)} synchronous calls in a "
                f"row ({path}; max-hops is {max_hops}): every service on the path adds latency "
                "and takes the request down when it fails. Make a hop asynchronous (events, a "
                "queue), cache or replicate the data, or merge the services",
                loc,
                related=[(c.location, f"{c.service} calls {_call_label(c)}") for c in chain[1:]],
                flow=flow,
                fingerprint=f"{names[0]}|{endpoint_label(ep)}|{path}",
            )

    def _longest(
        self, call: Call, by_endpoint: dict[int, list[Call]], seen: set[str]
    ) -> list[Call]:
        """The longest chain of further calls after `call`, never revisiting a service."""
        ep = call.target_endpoint
        if ep is None or self._steps > self._BUDGET or len(seen) > 12:
            return []
        best: list[Call] = []
        for nxt in by_endpoint.get(id(ep), []):
            self._steps += 1
            if nxt.target in seen:
                continue
            rest = [nxt, *self._longest(nxt, by_endpoint, seen | {nxt.target})]
            if len(rest) > len(best):
                best = rest
        return best


class DependencyCycle(ProjectRule):
    """Services that call each other synchronously in a cycle."""

    code = "ARC202"
    name = "service-dependency-cycle"
    default_level = Level.WARNING
    tags = ("architecture", "resilience")
    precision = "high"
    options_spec = (
        Option("max-cycles", 50, "At most this many cycles are reported (shortest first)."),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        edges: dict[str, dict[str, list[Call]]] = defaultdict(lambda: defaultdict(list))
        for call in _sync_calls(system):
            edges[call.service][call.target].append(call)
        cycles = _elementary_cycles({s: set(t) for s, t in edges.items()}, 10_000)
        cycles.sort(key=lambda c: (len(c), c))
        for cycle in cycles[: int(self.options["max-cycles"])]:
            hops = list(zip(cycle, [*cycle[1:], cycle[0]], strict=True))
            first_calls = [edges[a][b][0] for a, b in hops]
            path = " → ".join([*cycle, cycle[0]])
            related = [
                (c.location, f"{a} calls {_call_label(c)}")
                for (a, b) in hops
                for c in edges[a][b][:5]
            ]
            yield self.finding(
                f"services {path} call each other synchronously: none of them can be deployed, "
                "scaled or restarted on its own, and one slow service stalls the whole cycle. "
                "Break one edge with an event or by moving the data it fetches",
                first_calls[0].location,
                related=[r for r in related if r[0] != first_calls[0].location],
                flow=[(c.location, f"{c.service} calls {_call_label(c)}") for c in first_calls],
                fingerprint=path,
            )


def _elementary_cycles(graph: dict[str, set[str]], limit: int) -> list[list[str]]:
    """Every simple cycle, each once, starting at its smallest node (bounded by `limit`)."""
    out: list[list[str]] = []
    nodes = sorted(set(graph) | {t for ts in graph.values() for t in ts})
    for start in nodes:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack and len(out) < limit:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ()), reverse=True):
                if nxt == start and len(path) > 1:
                    out.append(path)
                elif nxt > start and nxt not in path and len(path) < 12:
                    stack.append((nxt, [*path, nxt]))
    return out


# ---------------------------------------------------------------------------------------------
# ARC203


class CallWithoutTimeout(ProjectRule):
    """An outbound HTTP or gRPC call that can wait forever."""

    code = "ARC203"
    name = "http-call-without-timeout"
    default_level = Level.WARNING
    tags = ("resilience", "http")
    precision = "high"
    options_spec = (
        Option(
            "accept-library-defaults",
            ["httpx"],
            "Libraries whose built-in default timeout counts as a timeout: httpx (5 s). "
            "aiohttp's default (5 minutes in total) is not accepted unless listed here.",
        ),
        Option(
            "grpc",
            "request-path",
            "When a gRPC call without a deadline is reported: only in code a route handler "
            "reaches (`request-path`), or everywhere (`always`).",
            choices=("request-path", "always"),
        ),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        resolved = {c.location: c for c in system.calls}
        accepted = set(self.options["accept-library-defaults"])
        by_client: dict[Location, list[OutboundCall]] = defaultdict(list)
        clients = _clients_by_service(system)
        patched: dict[str, set[str]] = defaultdict(set)
        for path, py in production_python(system):
            svc = system.service_of(path)
            patched[svc.name if svc else ""].update(py.timeout_patched)
        for path, py in production_python(system):
            svc = system.service_of(path)
            for call in py.calls:
                if call.timeout == "missing" and call.library in patched[svc.name if svc else ""]:
                    continue  # the service patches a default timeout into the library
                if call.timeout == "none" and call.client_location is not None:
                    by_client[call.client_location].append(call)
                    continue
                if call.timeout == "elsewhere":
                    call = _timeout_where_built(call, clients.get(svc.name if svc else "", []))
                message = self._problem(call, accepted, resolved.get(call.location))
                if message:
                    yield self.finding(
                        message,
                        call.location,
                        fingerprint=f"{call.function}|{call.library}.{call.method}|{call.url.text}",
                    )
        for client, uses in sorted(by_client.items()):
            yield self.finding(
                f"{uses[0].library} client is built with timeout=None, so its "
                f"{len(uses)} call{'s' if len(uses) != 1 else ''} can wait forever on a slow "
                "server. Give the client a timeout (e.g. timeout=httpx.Timeout(5.0))",
                client,
                related=[(u.location, f"{u.method} call through this client") for u in uses],
                fingerprint=f"{uses[0].library} client timeout=None",
            )

    def _problem(self, call: OutboundCall, accepted: set[str], resolved: Call | None) -> str:
        lib = call.library
        if call.timeout == "none":
            return (
                f"{lib} call with timeout=None waits forever on a slow server; pass a timeout "
                "(seconds)"
            )
        if lib == "grpc":
            if call.timeout != "missing":
                return ""
            if self.options["grpc"] == "request-path" and not (
                resolved is not None and resolved.reached_from
            ):
                return ""
            where = (
                f" while serving {endpoint_label(resolved.reached_from[0])}"
                if resolved is not None and resolved.reached_from
                else ""
            )
            return (
                f"gRPC call {call.method} has no deadline{where}: gRPC waits forever by default. "
                "Pass timeout= (seconds) to the stub call"
            )
        if call.timeout == "missing":
            fix = {
                "requests": "requests never times out by default; pass timeout=(connect, read)",
                "urllib": "urlopen waits as long as the socket default (forever); pass timeout=",
                "urllib3": "urllib3 waits forever by default; pass timeout= or build the "
                "PoolManager with one",
            }.get(lib, "pass a timeout")
            return f"{lib} call without a timeout: {fix}"
        if call.timeout == "default" and lib == "aiohttp" and lib not in accepted:
            return (
                "aiohttp call without a timeout relies on aiohttp's default of 5 minutes in "
                "total; set aiohttp.ClientTimeout on the session or the call"
            )
        return ""


def _clients_by_service(system: System) -> dict[str, list[HttpClient]]:
    out: dict[str, list[HttpClient]] = defaultdict(list)
    for path, py in production_python(system):
        svc = system.service_of(path)
        out[svc.name if svc else ""].extend(py.clients)
    return out


def _timeout_where_built(call: OutboundCall, clients: list[HttpClient]) -> OutboundCall:
    """A call through a client received as a parameter: judged by how the service builds that
    kind of client. Unknown (no client of that library built in the service) counts as given."""
    built = [c for c in clients if c.library == call.library]
    if not built or all(c.timeout == "given" for c in built):
        return replace(call, timeout="given")
    if any(c.timeout == "none" for c in built):
        return replace(call, timeout="given")  # reported where that client is built
    return replace(call, timeout="default" if call.library in {"httpx", "aiohttp"} else "missing")


# ---------------------------------------------------------------------------------------------
# ARC204

_ADVICE = {
    "sleep": "use `await asyncio.sleep(...)`",
    "http": "use an async client (httpx.AsyncClient, aiohttp) or `await asyncio.to_thread(...)`",
    "database": "use an async driver (asyncpg, psycopg's AsyncConnection, aiosqlite) or "
    "`await asyncio.to_thread(...)`",
    "orm": "use the async ORM methods (`aget`, `acount`, …) or `sync_to_async`",
    "subprocess": "use `asyncio.create_subprocess_exec` or `await asyncio.to_thread(...)`",
}
_OFFLOADING_DECORATORS = (
    "sync_to_async",
    "database_sync_to_async",
    "run_in_threadpool",
    "asyncify",
    "to_thread",
    "run_sync",
)
_SYNC_HTTP = {"requests", "urllib", "urllib3", "httpx", "grpc"}


class BlockingCallInAsync(ProjectRule):
    """A blocking call inside `async def`: the whole event loop stops until it returns."""

    code = "ARC204"
    name = "blocking-call-in-async"
    default_level = Level.WARNING
    tags = ("performance", "async")
    precision = "high"
    options_spec = (
        Option(
            "follow-calls",
            True,
            "Also report a call from `async def` to a sync function of the project that itself "
            "blocks (one call away).",
        ),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        for _path, py in production_python(system):
            for b in py.blocking:
                if b.in_async:
                    yield self.finding(
                        f"{b.call}() blocks the event loop inside async def "
                        f"{b.function.rsplit('.', 1)[-1]}: every other request on this worker "
                        f"waits; {_ADVICE.get(b.category, 'run it in a thread')}",
                        b.location,
                        fingerprint=f"{b.function}|{b.call}",
                    )
        if self.options["follow-calls"]:
            for svc in services(system):
                yield from self._one_hop(system, svc)

    def _one_hop(self, system: System, svc: Service) -> Iterable[Finding]:
        index = FunctionIndex(system, svc)
        blocking: dict[str, list[tuple[str, Location]]] = defaultdict(list)
        for _path, py in python_files(system, svc):
            mod = py.module
            for b in py.blocking:
                if not b.in_async:
                    blocking[f"{mod}.{b.function}"].append((f"{b.call}()", b.location))
            for c in py.calls:
                sites = blocking[f"{mod}.{c.function}"]
                if (
                    not c.in_async_function
                    and not c.is_async
                    and c.library in _SYNC_HTTP
                    and not any(loc == c.location for _, loc in sites)
                ):
                    what = f"{c.library} {c.method}" if c.library == "grpc" else c.library
                    sites.append((f"a {what} call", c.location))
        if not blocking:
            return
        for _path, py in python_files(system, svc):
            for fn in py.functions:
                if not fn.is_async:
                    continue
                for callee, line, col in fn.call_sites:
                    key = index.find(callee, py.module)
                    target = index.functions.get(key) if key else None
                    if target is None or target.is_async or target.is_class:
                        continue
                    if any(
                        d.rsplit(".", 1)[-1] in _OFFLOADING_DECORATORS for d in target.decorators
                    ):
                        continue
                    sites = blocking.get(key, [])
                    if not sites:
                        continue
                    what, where = sites[0]
                    name = key.rsplit(".", 1)[-1]
                    yield self.finding(
                        f"{name}() makes {what}, which blocks the event loop: async def "
                        f"{fn.qualname.rsplit('.', 1)[-1]} calls it directly. Run it with "
                        f"`await asyncio.to_thread({_as_called(callee, target)}, ...)` or make "
                        "it async",
                        Location(_path, line, col),
                        related=[(where, f"the blocking call in {name}()")],
                        fingerprint=f"{fn.qualname}|{callee}",
                    )


def _as_called(callee: str, target: Function) -> str:
    """How the call site names a function: `score`, `fraud_client.score`, `self.refresh`."""
    parts = callee.split(".")
    if "." not in target.qualname or len(parts) < 2:
        return parts[-1]
    owner = parts[-2]
    return (
        f"self.{parts[-1]}" if owner == target.qualname.split(".")[-2] else f"{owner}.{parts[-1]}"
    )
