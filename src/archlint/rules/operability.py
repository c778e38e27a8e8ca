"""Operability rules: health (ARC301), readiness (ARC302) and metrics (ARC303) endpoints of HTTP
services, and probes that point at paths nothing serves (ARC304)."""

from __future__ import annotations

from collections.abc import Iterable

from archlint.assemble import Service, System
from archlint.facts import Probe
from archlint.location import Location
from archlint.model import Finding, Level
from archlint.rule import Option, ProjectRule
from archlint.rules.system_view import (
    app_location,
    deploy_location,
    deployed,
    has_params,
    python_files,
    segments,
    serves,
    services,
)

HEALTH_PATHS = [
    "health",
    "healthz",
    "healthcheck",
    "health-check",
    "health_check",
    "_health",
    "livez",
    "live",
    "liveness",
    "alive",
    "ping",
    "status",
    "heartbeat",
    "ht",
]
READINESS_PATHS = ["ready", "readyz", "readiness", "_ready"]
METRICS_PATHS = ["metrics", "prometheus"]
# Imports that mean a health endpoint is registered by a library (django-health-check,
# flask-healthz, py-healthcheck, fastapi-health, …).
_HEALTH_LIBRARIES = (
    "health_check",
    "flask_healthz",
    "healthcheck",
    "fastapi_health",
    "django_healthchecks",
    "watchman",
)
_METRICS_LIBRARIES = (
    "prometheus_client",
    "prometheus_fastapi_instrumentator",
    "starlette_exporter",
    "starlette_prometheus",
    "prometheus_flask_exporter",
    "django_prometheus",
    "aioprometheus",
    "opentelemetry.exporter",
    "opentelemetry.sdk.metrics",
    "datadog",
    "statsd",
)
# Paths web frameworks serve without a route in the project.
_FRAMEWORK_PATHS = {
    "fastapi": ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"],
}


def _named(path: str, names: list[str]) -> bool:
    """The path's last segment is one of `names` (`/api/v2/health`, `/_meta/ping/`), or a
    health-named segment sits right above it (`/health/live`); never a resource's own status
    (`/orders/{id}/status`)."""
    segs = [s.lower() for s in segments(path)]
    if not segs or has_params(path):
        return False
    wanted = {n.lower().strip("/") for n in names}
    return segs[-1] in wanted or (len(segs) >= 2 and segs[-2] in wanted)


def _mount_prefixes(system: System, svc: Service) -> list[str]:
    """Literal prefixes under which the service mounts something (include(), Mount, blueprints):
    a library's URLconf mounted at `health/` serves health checks archlint cannot list."""
    out: list[str] = []
    for _path, py in python_files(system, svc):
        for mount in py.mounts:
            if mount.prefix.literal:
                out.append(mount.prefix.literal)
    return out


def _imports(system: System, svc: Service, libraries: tuple[str, ...]) -> bool:
    for _path, py in python_files(system, svc):
        for imp in py.imports:
            if imp.target.startswith(libraries):
                return True
    return False


def _http_probes(svc: Service) -> list[tuple[str, Probe]]:
    return [(proc, p) for proc, p in svc.probes if p.path and p.type in {"http", "exec"}]


def _kubernetes(svc: Service) -> bool:
    return any(p.source == "kubernetes" for p in svc.processes)


def _http(system: System, svc: Service) -> bool:
    """Serves HTTP and is deployed somewhere this repository describes (an app with no
    Dockerfile, compose or manifest may be a library's demo, or run behind anything)."""
    return svc.kind != "worker" and bool(svc.endpoints) and deployed(system, svc)


class _EndpointRule(ProjectRule):
    """Shared by ARC301–303: does an HTTP service serve one of a list of paths?"""

    def _has(self, system: System, svc: Service, names: list[str]) -> bool:
        if any(_named(ep.path, names) for ep in svc.endpoints):
            return True
        return any(_named(prefix, names) for prefix in _mount_prefixes(system, svc))

    def _site(
        self, system: System, svc: Service
    ) -> tuple[Location | None, list[tuple[Location, str]]]:
        primary = app_location(system, svc)
        related: list[tuple[Location, str]] = []
        declared = deploy_location(svc)
        if declared is not None and declared != primary:
            related.append((declared, f"{svc.name} is deployed here"))
        return primary, related


class MissingHealthEndpoint(_EndpointRule):
    code = "ARC301"
    name = "missing-health-endpoint"
    default_level = Level.WARNING
    tags = ("operability", "kubernetes")
    precision = "high"
    options_spec = (
        Option(
            "paths",
            HEALTH_PATHS,
            "Last path segments that count as a liveness endpoint, under any prefix.",
        ),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        names = list(self.options["paths"]) + READINESS_PATHS
        for svc in services(system):
            if not _http(system, svc) or self._has(system, svc, names):
                continue
            if any(serves(svc.endpoints, p.path) for _, p in _http_probes(svc)):
                continue  # the deployment probes a path the service serves: that is its health
            if _imports(system, svc, _HEALTH_LIBRARIES):
                continue
            primary, related = self._site(system, svc)
            if primary is None:
                continue
            probes = [p for _, p in svc.probes if p.type in {"tcp", "exec"} and not p.path]
            hint = (
                " (its probes only open a socket or run a command, which says nothing about "
                "the app)"
                if probes
                else ""
            )
            yield self.finding(
                f"service {svc.name} serves HTTP but has no health endpoint{hint}: orchestrators "
                "and load balancers cannot tell a hung process from a working one. Add a cheap "
                "GET /health (or /healthz) and point the liveness probe or healthcheck at it",
                primary,
                related=related,
                fingerprint=f"{svc.name}|health",
            )


class MissingReadinessEndpoint(_EndpointRule):
    code = "ARC302"
    name = "missing-readiness-endpoint"
    default_level = Level.NOTE
    tags = ("operability", "kubernetes")
    precision = "medium"
    options_spec = (
        Option(
            "paths",
            READINESS_PATHS,
            "Last path segments that count as a readiness endpoint, under any prefix.",
        ),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        for svc in services(system):
            if not _http(system, svc) or not _kubernetes(svc):
                continue
            if any(p.kind == "readiness" for _, p in svc.probes):
                continue  # ARC304 checks that the probe's path is served
            if self._has(system, svc, list(self.options["paths"])):
                continue
            workload = next(
                (p.location for p in svc.processes if p.source == "kubernetes" and p.location),
                None,
            )
            primary = workload or app_location(system, svc)
            if primary is None:
                continue
            app = app_location(system, svc)
            yield self.finding(
                f"service {svc.name} runs on Kubernetes without a readiness probe or endpoint: "
                "pods get traffic while they start, and keep getting it while their database "
                "is down. Add GET /ready that checks the service's dependencies and a "
                "readinessProbe on it",
                primary,
                related=[(app, "the app")] if app is not None and app != primary else [],
                fingerprint=f"{svc.name}|readiness",
            )


class MissingMetricsEndpoint(_EndpointRule):
    code = "ARC303"
    name = "missing-metrics-endpoint"
    default_level = Level.NOTE
    enabled_by_default = False
    tags = ("operability", "observability")
    precision = "medium"
    options_spec = (
        Option(
            "paths",
            METRICS_PATHS,
            "Last path segments that count as a metrics endpoint, under any prefix.",
        ),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        for svc in services(system):
            if not _http(system, svc) or self._has(system, svc, list(self.options["paths"])):
                continue
            if _imports(system, svc, _METRICS_LIBRARIES):
                continue
            primary, related = self._site(system, svc)
            if primary is None:
                continue
            yield self.finding(
                f"service {svc.name} serves HTTP but exposes no metrics (no /metrics endpoint, "
                "no Prometheus or OpenTelemetry exporter): its latency and error rate are "
                "invisible. Add prometheus_client or an OpenTelemetry metrics exporter",
                primary,
                related=related,
                fingerprint=f"{svc.name}|metrics",
            )


class ProbePathNotServed(ProjectRule):
    code = "ARC304"
    name = "probe-path-not-served"
    default_level = Level.ERROR
    tags = ("operability", "kubernetes")
    precision = "high"

    def check_project(self, system: System) -> Iterable[Finding]:
        for svc in services(system):
            if not svc.endpoints:
                continue  # nothing known about what it serves: no basis for a finding
            frameworks = {ep.framework for ep in svc.endpoints}
            implicit = [p for fw in frameworks for p in _FRAMEWORK_PATHS.get(fw, [])]
            prefixes = [p for p in _mount_prefixes(system, svc) if segments(p)]
            for process, probe in _http_probes(svc):
                path = probe.path.split("?", 1)[0]
                if probe.location is None or serves(svc.endpoints, path):
                    continue
                if path.rstrip("/") in {p.rstrip("/") for p in implicit}:
                    continue
                segs = segments(path)
                if any(
                    segs[: len(segments(p))] == segments(p)
                    for p in prefixes
                    if not serves(svc.endpoints, p)
                ):
                    continue  # under a mount archlint cannot see into (a library's urls)
                what = {
                    "liveness": "liveness probe",
                    "readiness": "readiness probe",
                    "startup": "startup probe",
                    "healthcheck": "healthcheck",
                }.get(probe.kind, "probe")
                effect = {
                    "readiness": "pods never become ready and get no traffic",
                    "startup": "pods are killed before they start",
                    "healthcheck": "the container is marked unhealthy",
                }.get(probe.kind, "pods are restarted in a loop")
                near = sorted(
                    ep.path
                    for ep in svc.endpoints
                    if _named(ep.path, HEALTH_PATHS + READINESS_PATHS)
                )
                hint = f" (it serves {', '.join(near[:3])})" if near else ""
                yield self.finding(
                    f"the {what} of {process} requests {path}, which service {svc.name} does not "
                    f"serve{hint}: {effect}. Point the probe at a path the service serves",
                    probe.location,
                    related=[
                        (ep.location, f"{svc.name} serves {ep.path}")
                        for ep in svc.endpoints
                        if ep.path in near
                    ][:3],
                    fingerprint=f"{process}|{probe.kind}|{path}",
                )
