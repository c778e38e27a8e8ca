"""Views of the assembled System that several project rules share: a service's production Python
files and functions, where to point at a service, endpoint and path matching."""

from __future__ import annotations

import re
from collections.abc import Iterator

from archlint.assemble import Endpoint, Service, SuffixIndex, System, is_test_path
from archlint.facts import Function, PythonFacts
from archlint.location import Location

# Demonstration code: examples, samples and docs of a library are not a production system.
_EXAMPLE_PATH = re.compile(r"(^|/)(examples?|samples?|demos?|docs?|tutorials?)(/|$)")
_DEPLOY_FILES = ("Dockerfile", "Procfile", "app.yaml", "fly.toml", "render.yaml", "Containerfile")
_PARAM = re.compile(r"\{[^{}]*\}|<[^<>]*>|\(\?P<")


def table_key(name: str) -> str:
    """A table name as the rules compare them: unquoted, lower case, without the default schema
    (`public.` in PostgreSQL, `dbo.` in SQL Server)."""
    name = name.strip('"`[]').lower()
    return name.removeprefix("public.").removeprefix("dbo.")


def is_production_path(path: str) -> bool:
    """Not a test, fixture, example, sample or documentation file."""
    return not is_test_path(path) and _EXAMPLE_PATH.search(path.lower()) is None


def python_files(system: System, svc: Service) -> Iterator[tuple[str, PythonFacts]]:
    """The service's production Python files, in path order."""
    for path in sorted(svc.files):
        f = system.files.get(path)
        if f is not None and f.python is not None and is_production_path(path):
            yield path, f.python


def production_python(system: System) -> Iterator[tuple[str, PythonFacts]]:
    """Every production Python file of the project, in path order."""
    for path in sorted(system.files):
        f = system.files[path]
        if f.python is not None and is_production_path(path):
            yield path, f.python


def services(system: System) -> list[Service]:
    """The system's own services (not external ones declared in config, not example apps), by
    name."""
    return [
        s
        for _, s in sorted(system.services.items())
        if s.kind != "external" and not all(r and not is_production_path(r + "/") for r in s.roots)
    ]


def deployed(system: System, svc: Service) -> bool:
    """The repository says how the service runs: compose, Kubernetes or config, or a
    Dockerfile / Procfile / platform file in its folder or the repository root."""
    if svc.source in {"compose", "kubernetes", "config"}:
        return True
    if any(p.source in {"compose", "kubernetes"} for p in svc.processes):
        return True
    folders = {r for r in svc.roots} | {""}
    for path in system.files:
        folder, _, name = path.rpartition("/")
        if folder in folders and name.startswith(_DEPLOY_FILES):
            return True
    return False


class FunctionIndex:
    """A service's production functions by full dotted key, found by any dotted suffix (the
    lookup assemble uses for reachability)."""

    def __init__(self, system: System, svc: Service):
        self.functions: dict[str, Function] = {}
        instances: dict[str, str] = {}
        for _path, py in python_files(system, svc):
            for fn in py.functions:
                self.functions[f"{py.module}.{fn.qualname}" if py.module else fn.qualname] = fn
            for var, cls in py.instances:
                instances[f"{py.module}.{var}" if py.module else var] = cls
        self._index = SuffixIndex(self.functions, instances)

    def find(self, name: str, module: str = "") -> str:
        return self._index.find(name, module)


def app_location(system: System, svc: Service) -> Location | None:
    """Where the service's HTTP app is created (first app object), else its first endpoint's
    registration, else where the deployment declares it."""
    for _path, py in python_files(system, svc):
        for app in py.apps:
            if app.kind == "app" and app.framework != "grpc":
                return app.location
    # Django has no app object: the root URLconf (the shallowest urls.py) stands for it.
    urlconfs = sorted(
        (path.count("/"), -len(py.mounts), path, py)
        for path, py in python_files(system, svc)
        if path.endswith("urls.py") and (py.mounts or py.routes)
    )
    if urlconfs:
        py = urlconfs[0][3]
        return min([m.location for m in py.mounts] + [r.location for r in py.routes])
    for ep in sorted(svc.endpoints, key=lambda e: (e.location.path, e.location.line)):
        return ep.location
    return svc.location


def deploy_location(svc: Service) -> Location | None:
    """Where the deployment declares the service (compose entry, k8s object)."""
    for proc in svc.processes:
        if proc.location is not None:
            return proc.location
    return svc.location


def segments(path: str) -> list[str]:
    """`/api/v1/health/` → ['api', 'v1', 'health']."""
    return [s for s in path.split("?", 1)[0].strip("/").split("/") if s]


def has_params(path: str) -> bool:
    return bool(_PARAM.search(path))


def serves(endpoints: list[Endpoint], path: str) -> Endpoint | None:
    """The endpoint that serves `path` (any method; `{param}` segments match anything)."""
    want = segments(path)
    for ep in endpoints:
        have = segments(ep.path)
        if len(have) == len(want) and all(
            h == w or h.startswith("{") for h, w in zip(have, want, strict=True)
        ):
            return ep
    return None


def endpoint_label(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"
