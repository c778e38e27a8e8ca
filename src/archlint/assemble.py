"""The assemble stage: from every file's facts to one model of the system.

Services come from explicit config first, then docker-compose and Kubernetes workloads (entries
that run the same build or image are one service with several processes), then folders with an
app object; a repo with one app is one service. Each file belongs to the service with the
deepest root folder that holds it. Then, per service: endpoints (code routes with every prefix
joined, merged with OpenAPI operations), outbound calls resolved to target services and
endpoints, broker edges, databases by identity, and tables. Built from facts only.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archlint.extract.deploy import interpolate
from archlint.facts import (
    Expr,
    Function,
    OpenApiFacts,
    PythonFacts,
    Route,
    Workload,
)
from archlint.location import Location
from archlint.model import FileFacts, FileKind
from archlint.resolve import (
    DatabaseIdentity,
    NameIndex,
    Resolver,
    identity_from_fields,
    join_url,
    parse_dsn,
    split_url,
)

TEST_PATH_RE = re.compile(
    r"(^|/)(tests?|testing|test_?data|fixtures?|__tests__|spec|e2e|unit_tests|t)(/|$)"
    r"|(^|/)(test_[^/]*|[^/]*_tests?\.[a-z]+|conftest\.py)$"
    r"|(^|/)settings/tests?\.py$"
)

# Images that are infrastructure, not services of the system.
_INFRA_IMAGES = {
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey",
    "memcached",
    "rabbitmq",
    "kafka",
    "cp-kafka",
    "cp-zookeeper",
    "zookeeper",
    "redpanda",
    "nats",
    "elasticsearch",
    "opensearch",
    "kibana",
    "nginx",
    "traefik",
    "haproxy",
    "envoy",
    "caddy",
    "minio",
    "localstack",
    "jaeger",
    "all-in-one",
    "prometheus",
    "grafana",
    "otel-collector",
    "opentelemetry-collector",
    "mailhog",
    "mailpit",
    "vault",
    "consul",
    "timescaledb",
    "pgadmin4",
    "adminer",
    "flower",
    "keycloak",
    "wiremock",
    "mockserver",
    "selenium",
}
_HTTP_FRAMEWORKS = {
    "fastapi",
    "starlette",
    "flask",
    "django",
    "drf",
    "aiohttp",
    "connexion",
    "sanic",
}
_PATH_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>|\{([^{}:]+)(?::[^{}]*)?\}")
_LIST_SHAPES = {"array", "wrapped-array", "paged-array"}
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


# ---------------------------------------------------------------------------------------------
# The model


@dataclass
class Process:
    name: str  # compose service / k8s workload name, or "app" for code-only services
    source: str  # compose | kubernetes | config | code
    kind: str  # the compose "service" / k8s kind / "app"
    command: str = ""
    location: Location | None = None


@dataclass
class Endpoint:
    method: str
    path: str  # full path, parameters as {name}
    handler: str  # dotted handler (module.qualname) or operationId
    location: Location
    framework: str
    is_async: bool = False
    query_params: tuple[str, ...] = ()
    returns: str = ""
    returns_list: bool = False
    paginated: bool = False
    source: str = "code"  # code | spec | code+spec
    spec_location: Location | None = None
    response_headers: tuple[str, ...] = ()
    max_items: int | None = None
    handler_location: Location | None = None  # the handler's def / class line

    @property
    def site(self) -> Location:
        """Where to point a developer: the handler when it lives apart from its registration
        (urls.py, add_url_rule), else the registration (decorator, spec operation)."""
        h = self.handler_location
        if self.source == "spec" or h is None or h.path == self.location.path:
            return self.location
        return h


@dataclass
class Call:
    """An outbound synchronous call from a service, resolved as far as the project allows."""

    service: str
    library: str
    method: str
    url: str  # resolved text, `{…}` where a part did not resolve
    location: Location
    function: str  # dotted module.qualname of the enclosing function
    timeout: str
    is_async: bool
    in_async_function: bool
    target: str = ""  # service name; "" when external or unresolved
    external_host: str = ""  # for calls leaving the system
    target_endpoint: Endpoint | None = None
    unresolved: tuple[str, ...] = ()  # why the target is not known
    reached_from: tuple[Endpoint, ...] = ()  # route handlers that reach this call

    @property
    def kind(self) -> str:
        return "grpc" if self.library == "grpc" else "http"


@dataclass
class BrokerEdge:
    service: str
    broker: str
    role: str  # produce | consume
    topic: str
    location: Location
    function: str
    unresolved: tuple[str, ...] = ()


@dataclass
class DatabaseUseResolved:
    service: str
    driver: str
    identity: DatabaseIdentity | None
    location: Location | None
    unresolved: tuple[str, ...] = ()
    text: str = ""


@dataclass
class TableRef:
    service: str
    table: str
    op: str  # create | model | alter | drop | rename | read | write | reference
    location: Location
    via: str


@dataclass
class Service:
    name: str
    roots: list[str]  # folders, POSIX relative to the project root ("" = the whole project)
    source: str  # config | compose | kubernetes | code
    kind: str = "service"  # service | worker | external (config)
    files: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    env: dict[str, str] = field(default_factory=dict)
    endpoints: list[Endpoint] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    brokers: list[BrokerEdge] = field(default_factory=list)
    databases: list[DatabaseUseResolved] = field(default_factory=list)
    tables: list[TableRef] = field(default_factory=list)
    probes: list[tuple[str, Any]] = field(default_factory=list)  # (process, Probe)
    spec_files: list[str] = field(default_factory=list)
    drift: list[tuple[str, Location]] = field(default_factory=list)
    # operations only its OpenAPI document describes, in a service whose code serves others
    spec_only: list[Endpoint] = field(default_factory=list)
    grpc: bool = False
    location: Location | None = None  # where it is declared (compose entry, k8s object, app)

    @property
    def http(self) -> bool:
        return bool(self.endpoints)

    @property
    def worker(self) -> bool:
        return not self.http and not self.grpc


@dataclass
class System:
    """What project rules see. Built from facts only: no file is re-read or re-parsed here."""

    root: Path
    files: dict[str, FileFacts] = field(default_factory=dict)
    configured_services: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    unresolved: list[tuple[Location | None, str]] = field(default_factory=list)

    def service_of(self, path: str) -> Service | None:
        best: Service | None = None
        best_len = -1
        for svc in self.services.values():
            for root in svc.roots:
                if (not root or path == root or path.startswith(root + "/")) and len(
                    root
                ) > best_len:
                    best, best_len = svc, len(root)
        return best

    @property
    def calls(self) -> list[Call]:
        return [c for s in self.services.values() for c in s.calls]

    @property
    def broker_edges(self) -> list[BrokerEdge]:
        return [b for s in self.services.values() for b in s.brokers]


def is_test_path(path: str) -> bool:
    return TEST_PATH_RE.search(path.lower()) is not None


# ---------------------------------------------------------------------------------------------
# Assembly


def assemble(
    root: Path, facts: Sequence[FileFacts], services: Mapping[str, Mapping[str, Any]]
) -> System:
    system = System(
        root=root,
        files={f.path: f for f in facts},
        configured_services={k: dict(v) for k, v in services.items()},
    )
    builder = _Builder(system)
    builder.build()
    return system


class _Builder:
    def __init__(self, system: System):
        self.system = system
        self.files = system.files
        self.workloads: list[tuple[str, Workload]] = []
        self.k8s_services: list[Any] = []
        self.config_values: dict[str, dict[str, str]] = {}
        self.dotenv: dict[str, dict[str, str]] = {}  # folder → values
        self._celery: tuple[dict[str, str], SuffixIndex] | None = None
        for f in self.files.values():
            deploy = f.deploy
            if deploy is None:
                continue
            for w in deploy.workloads:
                self.workloads.append((f.path, w))
            self.k8s_services.extend(deploy.network_services)
            for cv in deploy.config_values:
                if cv.kind == "dotenv":
                    self.dotenv[posixpath.dirname(f.path)] = dict(cv.values)
                    self.config_values[f.path] = dict(cv.values)
                else:
                    self.config_values[cv.name] = dict(cv.values)

    # -- services --------------------------------------------------------------------------------
    def build(self) -> None:
        self._configured()
        self._from_workloads()
        self._from_code()
        self._assign_files()
        for svc in self.system.services.values():
            self._environment(svc)
        for svc in self.system.services.values():
            _ServiceModel(self, svc).build()
        self._resolve_targets()
        self._reachability()

    def _add(self, svc: Service) -> Service:
        existing = self.system.services.get(svc.name)
        if existing is not None:
            existing.roots.extend(r for r in svc.roots if r not in existing.roots)
            existing.processes.extend(svc.processes)
            existing.hosts |= svc.hosts
            return existing
        self.system.services[svc.name] = svc
        return svc

    def _configured(self) -> None:
        for name, spec in self.system.configured_services.items():
            roots = [str(spec["path"]).strip("/")] if "path" in spec else []
            roots += [str(p).strip("/") for p in spec.get("paths", [])]
            roots = [r if r != "." else "" for r in roots]
            svc = Service(name, roots or [name], "config", str(spec.get("kind", "service")))
            svc.hosts = {name.lower(), *(str(h).lower() for h in spec.get("hosts", []))}
            self._add(svc)

    def _service_for_root(self, root: str) -> Service | None:
        for svc in self.system.services.values():
            if root in svc.roots:
                return svc
        return None

    def _from_workloads(self) -> None:
        groups: dict[tuple[str, str], list[tuple[str, Workload]]] = defaultdict(list)
        by_image: dict[str, list[tuple[str, Workload]]] = defaultdict(list)
        for path, w in self.workloads:
            if w.build_context:
                ctx = "" if w.build_context in {".", "./"} else w.build_context.strip("/")
                groups[(ctx, w.dockerfile or "Dockerfile")].append((path, w))
                # A Dockerfile in a subfolder of a shared context names the service's folder.
            elif w.image:
                by_image[_image_name(w.image)].append((path, w))
        for (context, dockerfile), entries in sorted(groups.items()):
            names = [w.name for _, w in entries]
            sub = posixpath.dirname(dockerfile) if not dockerfile.startswith(("/", "..")) else ""
            ctx = posixpath.normpath(posixpath.join(context, sub)) if sub else context
            ctx = "" if ctx == "." else ctx
            folder = posixpath.basename(ctx) if ctx else ""
            if len(entries) == 1:
                name = names[0]
            elif folder in names or (folder and not dockerfile.count("/")):
                name = folder or names[0]
            else:
                name = names[0]
            existing = self._service_for_root(ctx)
            if existing is not None and existing.source == "config":
                svc = existing
            else:
                if dockerfile != "Dockerfile" and len({d for (c, d) in groups if c == context}) > 1:
                    name = names[0]
                svc = self._add(Service(name, [ctx], "compose", location=entries[0][1].location))
            for _path, w in entries:
                svc.processes.append(Process(w.name, w.source, w.kind, w.command, w.location))
                svc.hosts |= {h.lower() for h in (w.name, *w.hostnames)}
                if w.image:
                    svc.hosts.add(_image_name(w.image))
        # Image-only workloads (Kubernetes, or compose without build): our own services when the
        # image names a folder or a service already found; infrastructure otherwise.
        for image, entries in sorted(by_image.items()):
            if image in _INFRA_IMAGES or any(
                i in image for i in ("postgres", "redis", "kafka", "mysql", "mongo", "rabbitmq")
            ):
                continue
            matched = self._match_image(image, entries)
            if matched is None:
                continue
            for _path, w in entries:
                svc = matched
                svc.processes.append(Process(w.name, w.source, w.kind, w.command, w.location))
                svc.hosts |= {h.lower() for h in (w.name, *w.hostnames)}
        # Kubernetes Services: host names selecting workloads by labels.
        for ns in self.k8s_services:
            selector = dict(ns.selector)
            for _path, w in self.workloads:
                labels = dict(w.labels)
                if selector and all(labels.get(k) == v for k, v in selector.items()):
                    owner = self._service_with_process(w)
                    if owner is not None:
                        owner.hosts.add(ns.name.lower())

    def _service_with_process(self, w: Workload) -> Service | None:
        for svc in self.system.services.values():
            if any(p.name == w.name and p.location == w.location for p in svc.processes):
                return svc
        return None

    def _match_image(self, image: str, entries: list[tuple[str, Workload]]) -> Service | None:
        for svc in self.system.services.values():
            if image in svc.hosts or image == svc.name:
                return svc
        names = {image} | {w.name for _, w in entries}
        # The shallowest folder of that name with a build file, else the shallowest of that name.
        built = {
            posixpath.dirname(p)
            for p in self.files
            if posixpath.basename(p).startswith(("Dockerfile", "pyproject.toml", "requirements"))
        }
        folders = sorted(self._code_folders(), key=lambda d: (d not in built, d.count("/"), d))
        for name in sorted(names):
            for folder in folders:
                if posixpath.basename(folder) == name:
                    existing = self._service_for_root(folder)
                    if existing is not None:
                        return existing
                    return self._add(
                        Service(name, [folder], "kubernetes", location=entries[0][1].location)
                    )
        return None

    def _code_folders(self) -> list[str]:
        """Folders holding Python code, deepest first."""
        folders: set[str] = set()
        for path, f in self.files.items():
            if f.kind is FileKind.PYTHON:
                d = posixpath.dirname(path)
                while d:
                    folders.add(d)
                    d = posixpath.dirname(d)
        return sorted(folders, key=lambda d: (-d.count("/"), d))

    def _from_code(self) -> None:
        """Folders with their own build file and an app object or a worker entry point."""
        markers: dict[str, set[str]] = defaultdict(set)
        for path in self.files:
            base = posixpath.basename(path)
            if base in {
                "Dockerfile",
                "pyproject.toml",
                "requirements.txt",
                "setup.py",
                "setup.cfg",
                "Procfile",
            } or base.startswith("Dockerfile"):
                markers[posixpath.dirname(path)].add(base)
        apps: dict[str, list[str]] = defaultdict(list)
        for path, f in self.files.items():
            py = f.python
            if py is None or is_test_path(path):
                continue
            if (
                py.apps
                or any(b.role == "consume" for b in py.brokers)
                or posixpath.basename(path) == "manage.py"
            ):
                apps[path].append(path)
        if self.system.services:
            claimed = [r for s in self.system.services.values() for r in s.roots]
        else:
            claimed = []
        candidates: dict[str, Location | None] = {}
        for folder in sorted(markers, key=lambda d: (d.count("/"), d)):
            if (
                any(folder == c or folder.startswith(c + "/") for c in claimed if c)
                or folder in claimed
            ):
                continue
            if "" in claimed and self.system.services:
                # A build at the root claims everything below unless the folder has an app.
                pass
            has_app = [p for p in apps if folder == "" or p.startswith(folder + "/")]
            if not has_app:
                continue
            candidates[folder] = None
        # Keep the deepest folders that hold an app; a parent folder with several service
        # folders under it is a monorepo root, not a service.
        chosen = [
            c
            for c in candidates
            if not any(o != c and (c == "" or o.startswith(c + "/")) for o in candidates)
        ]
        for folder in chosen:
            if any(
                folder == r or (r and folder.startswith(r + "/"))
                for s in self.system.services.values()
                for r in s.roots
            ):
                continue
            name = posixpath.basename(folder) or _project_name(self.system.root.name)
            svc = self._add(Service(name, [folder], "code"))
            svc.hosts.add(name.lower())
        if not self.system.services and apps:
            self._add(Service(_project_name(self.system.root.name), [""], "code"))

    def _assign_files(self) -> None:
        for path in self.files:
            svc = self.system.service_of(path)
            if svc is not None:
                svc.files.append(path)
        for svc in self.system.services.values():
            if not svc.processes:
                svc.processes.append(Process("app", "code", "app"))

    def _environment(self, svc: Service) -> None:
        """The service's environment: root and service .env files, then compose env_file and
        environment (interpolated), then Kubernetes env and envFrom; earlier sources lose."""
        env: dict[str, str] = {}
        root_env = self.dotenv.get("", {})
        for folder in sorted(self.dotenv):
            if folder == "" or any(
                folder == r or folder.startswith(r + "/") for r in svc.roots if r
            ):
                env.update(self.dotenv[folder])
        for _path, w in self.workloads:
            if not any(p.name == w.name and p.location == w.location for p in svc.processes):
                continue
            for env_file in w.env_files:
                env.update(self.config_values.get(env_file, {}))
            for name in w.env_from:
                env.update(self.config_values.get(name, {}))
            for key, value in w.environment:
                if value.startswith("${secretKeyRef:") or value.startswith("${configMapKeyRef:"):
                    ref = value[2:-1].split(":", 1)[1]
                    cm, _, k = ref.partition("/")
                    found = self.config_values.get(cm, {}).get(k)
                    if found is not None:
                        env.setdefault(key, found)
                    continue
                resolved, _missing = (
                    interpolate(value, root_env) if w.source == "compose" else (value, [])
                )
                env[key] = resolved
        svc.env = env

    def celery_tasks(self) -> tuple[dict[str, str], SuffixIndex]:
        """Every Celery task in the project: function key → task name (computed once)."""
        if self._celery is None:
            names: dict[str, str] = {}
            for path, f in self.files.items():
                if f.python is None or is_test_path(path):
                    continue
                py = f.python
                for b in py.brokers:
                    if b.broker == "celery" and b.role == "consume":
                        key = f"{py.module}.{b.function}"
                        name = b.topic.literal or ""  # task names are literal (name= or default)
                        names[key] = self.task_name(name, path) if name == key else name
            index = SuffixIndex({k: Function(k, Location("", 1), False) for k in names})
            self._celery = (names, index)
        return self._celery

    def task_name(self, name: str, path: str) -> str:
        """Celery names a task by its import path inside the service's folder."""
        owner = self.system.service_of(path)
        for root in owner.roots if owner else ():
            prefix = root.replace("/", ".") + "."
            if root and name.startswith(prefix):
                return name[len(prefix) :]
        return name

    # -- cross-service -----------------------------------------------------------------------------
    def _host_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for svc in self.system.services.values():
            for host in sorted(svc.hosts | {svc.name.lower()}):
                index.setdefault(host, svc.name)
        return index

    def _resolve_targets(self) -> None:
        hosts = self._host_index()
        for svc in self.system.services.values():
            for call in svc.calls:
                if call.unresolved and "{" in call.url.split("//", 1)[-1].split("/", 1)[0]:
                    self.system.unresolved.append(
                        (call.location, f"{call.library} call: {'; '.join(call.unresolved)}")
                    )
                    continue
                _scheme, host, path = split_url(call.url)
                if not host:
                    call.unresolved = call.unresolved or ("the URL has no host",)
                    self.system.unresolved.append(
                        (call.location, f"{call.library} call to {call.url!r}: no host")
                    )
                    continue
                name = _match_host(host, hosts)
                if name is None:
                    if _is_external(host):
                        call.external_host = host
                        call.unresolved = ()
                    else:
                        call.unresolved = (f"host {host!r} is not a service of this project",)
                        self.system.unresolved.append(
                            (
                                call.location,
                                f"{call.library} call to host {host!r}: not a known service",
                            )
                        )
                    continue
                call.target = name
                call.unresolved = ()  # path parameters are run-time values, not a problem
                target = self.system.services[name]
                if call.library != "grpc":
                    call.target_endpoint = _match_endpoint(target.endpoints, call.method, path)

    def _reachability(self) -> None:
        for svc in self.system.services.values():
            graph: dict[str, set[str]] = defaultdict(set)
            functions: dict[str, Function] = {}
            instances: dict[str, str] = {}
            modules: dict[str, PythonFacts] = {}
            for path in svc.files:
                py = self.files[path].python
                if py is None:
                    continue
                modules[py.module] = py
                for fn in py.functions:
                    functions[f"{py.module}.{fn.qualname}"] = fn
                for var, cls in py.instances:
                    instances[f"{py.module}.{var}"] = cls
            index = SuffixIndex(functions, instances)
            for key, fn in functions.items():
                module = key[: -len(fn.qualname) - 1]
                for callee in fn.calls:
                    target = index.find(callee, module)
                    if target:
                        graph[key].add(target)
                if fn.is_class:
                    continue
                # Methods reach the methods they call through self.
            reached: dict[str, list[Endpoint]] = defaultdict(list)
            for ep in svc.endpoints:
                start = index.find(ep.handler, "")
                starts = [start] if start else []
                if start and functions[start].is_class:
                    starts = [k for k in functions if k.startswith(start + ".")]
                seen: set[str] = set()
                stack = list(starts)
                while stack:
                    cur = stack.pop()
                    if cur in seen:
                        continue
                    seen.add(cur)
                    reached[cur].append(ep)
                    stack.extend(graph.get(cur, ()))
            for call in svc.calls:
                eps = reached.get(call.function, [])
                unique: dict[tuple[str, str], Endpoint] = {}
                for ep in eps:
                    unique.setdefault((ep.method, ep.path), ep)
                call.reached_from = tuple(unique.values())


def _project_name(folder: str) -> str:
    """The project folder's name without an sdist or release version (`pretix-2024.8.0`)."""
    return re.sub(r"[-_]v?\d+(\.\d+)*([a-z]+\d*)?\Z", "", folder) or folder or "app"


class SuffixIndex:
    """Function keys found by a dotted name as imports write it (a suffix of the full key).

    `instances` maps module-level objects (`app.clients.trips_client`) to their project class
    (`app.clients.TripsClient`), so `trips_client.create_trip` imported from another module finds
    the method."""

    def __init__(
        self, functions: Mapping[str, Function], instances: Mapping[str, str] | None = None
    ):
        self.keys = self._suffixes(functions)
        self.instances = dict(instances or {})
        self.instance_keys = self._suffixes(self.instances)

    @staticmethod
    def _suffixes(keys: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            parts = key.split(".")
            for i in range(len(parts)):
                out[".".join(parts[i:])].append(key)
        return out

    def find(self, name: str, module: str, *, via_instance: bool = True) -> str:
        found = self.keys.get(name)
        if not found:
            return self._through_instance(name, module) if via_instance else ""
        if len(found) == 1:
            return found[0]
        same = [k for k in found if module and k.startswith(module + ".")]
        return (same or sorted(found, key=len))[0]

    def _through_instance(self, name: str, module: str) -> str:
        obj, _, attr = name.rpartition(".")
        if not obj or not self.instance_keys:
            return ""
        found = self.instance_keys.get(obj)
        if not found:
            return ""
        same = [k for k in found if module and k.startswith(module + ".")]
        cls = self.instances[(same or sorted(found, key=len))[0]]
        return self.find(f"{cls}.{attr}", module, via_instance=False)


class _ServiceModel:
    """Endpoints, calls, brokers, databases and tables of one service."""

    def __init__(self, builder: _Builder, svc: Service):
        self.b = builder
        self.svc = svc
        self.py: list[tuple[str, PythonFacts]] = []
        self.specs: list[tuple[str, OpenApiFacts]] = []
        for path in sorted(svc.files):
            f = builder.files[path]
            if is_test_path(path):
                continue
            if f.python is not None:
                self.py.append((path, f.python))
            if f.openapi is not None:
                self.specs.append((path, f.openapi))
        bindings = [b for _, py in self.py for b in py.bindings]
        settings_bindings = [
            b
            for p, py in self.py
            if "settings" in p.split("/")[-1] or "/settings/" in p
            for b in py.bindings
        ]
        self.resolver = Resolver(NameIndex(bindings), svc.env, NameIndex(settings_bindings))
        self.drf_default_pagination = any(py.drf_default_pagination for _, py in self.py)

    def build(self) -> None:
        self._endpoints()
        self._calls()
        self._brokers()
        self._databases()
        self._tables()
        for _path, py in self.py:
            if any(a.framework == "grpc" for a in py.apps):
                self.svc.grpc = True
        for _path, w in self.b.workloads:
            if any(p.name == w.name and p.location == w.location for p in self.svc.processes):
                for probe in w.probes:
                    self.svc.probes.append((w.name, probe))
                    if probe.type == "grpc":
                        self.svc.grpc = True

    # -- endpoints -----------------------------------------------------------------------------------
    def _endpoints(self) -> None:
        functions: dict[str, Function] = {}
        routes: list[tuple[str, Route, PythonFacts]] = []
        owners: dict[str, Expr | None] = {}
        mounts: dict[str, list[tuple[str, Expr, bool]]] = defaultdict(list)
        connexion_specs: list[tuple[str, str]] = []
        for path, py in self.py:
            for func in py.functions:
                functions[f"{py.module}.{func.qualname}"] = func
            for app in py.apps:
                owners[f"{py.module}.{app.var}"] = app.prefix
                if app.spec:
                    connexion_specs.append((path, app.spec))
            for r in py.routes:
                routes.append((path, r, py))
            for mount in py.mounts:
                # Flask: register_blueprint(url_prefix=…) replaces the blueprint's own prefix.
                replaces = mount.framework == "flask" and bool(mount.prefix.parts)
                mounts[mount.child].append((mount.parent, mount.prefix, replaces))
        fn_index = SuffixIndex(functions)
        owner_keys = SuffixIndex({k: Function(k, Location("", 1), False) for k in owners})
        # child (as written) → the canonical owner key it names
        parents: dict[str, list[tuple[str, Expr, bool]]] = defaultdict(list)
        for child, entries in mounts.items():
            key = child
            if child.startswith("router:"):
                key = owner_keys.find(child[7:], "") or child[7:]
            elif child.startswith(("urls:", "list:")):
                key = child
            else:
                found = owner_keys.find(child, "")
                if found:
                    key = found
                else:
                    key = self._urls_module(child) or child
            for parent, mount_prefix, replaces in entries:
                parents[key].append((parent, mount_prefix, replaces))
        seen_eps: set[tuple[str, str, str]] = set()
        for _path, route, py in routes:
            if route.path.parts and not any(
                p.kind == "lit" and p.value.strip("/^$") for p in route.path.parts
            ):
                resolved = self.resolver.resolve(route.path)
                if resolved.unresolved and re.fullmatch(r"/?(\{[^{}]*\}/?)+", resolved.text):
                    # `for rule in RULES: app.add_url_rule(rule, …)`: the path is run-time
                    # data; a `/{rule}` wildcard would match every path of the service.
                    self.b.system.unresolved.append(
                        (route.location, f"route path {route.path.text!r} is computed at run time")
                    )
                    continue
            owner = route.owner
            if owner and not owner.startswith(("urls:", "list:")):
                owner = owner_keys.find(owner, py.module) or owner
            prefixes = self._prefixes(owner, owners, parents, 0)
            handler_key = fn_index.find(
                route.handler
                if "." in route.handler and not route.handler.startswith(py.module)
                else f"{py.module}.{route.handler}",
                py.module,
            ) or fn_index.find(route.handler, py.module)
            fn = functions.get(handler_key) if handler_key else None
            for prefix in prefixes:
                for method, sub, h_fn, h_key in self._route_methods(
                    route, fn, handler_key, functions, fn_index
                ):
                    full = _join_paths(prefix, self._path(route.path), sub)
                    for m in method:
                        ep_key = (m, full, h_key)
                        if ep_key in seen_eps:
                            continue
                        seen_eps.add(ep_key)
                        self.svc.endpoints.append(
                            Endpoint(
                                method=m,
                                path=full,
                                handler=h_key or route.handler,
                                location=route.location,
                                framework=route.framework,
                                is_async=route.is_async or bool(h_fn and h_fn.is_async),
                                query_params=tuple(
                                    dict.fromkeys(
                                        (*route.query_params, *(h_fn.query_params if h_fn else ()))
                                    )
                                ),
                                returns=route.returns,
                                returns_list=route.returns_list
                                or bool(h_fn and h_fn.returns_list and m == "GET"),
                                paginated=self._paginated(fn, h_fn, functions, fn_index),
                                handler_location=_where(h_fn, fn),
                            )
                        )
        self._merge_specs(connexion_specs, functions, fn_index)
        self.svc.endpoints.sort(key=lambda e: (e.path, e.method))

    def _urls_module(self, module: str) -> str:
        for _path, py in self.py:
            if py.module == module or py.module.endswith("." + module):
                return f"urls:{py.module}"
        return ""

    def _prefixes(
        self,
        owner: str,
        owners: Mapping[str, Expr | None],
        parents: Mapping[str, list[tuple[str, Expr, bool]]],
        depth: int,
    ) -> list[str]:
        own = self._path(owners.get(owner)) if owners.get(owner) is not None else ""
        ups = parents.get(owner, [])
        if not ups or depth > 10:
            return [own]
        out: list[str] = []
        for parent, prefix, replaces in ups:
            for up in self._prefixes(parent, owners, parents, depth + 1):
                out.append(_join_paths(up, self._path(prefix), "" if replaces else own))
        return list(dict.fromkeys(out))

    def _path(self, expr: Expr | None) -> str:
        if expr is None:
            return ""
        text = self.resolver.resolve(expr).text
        return text

    def _route_methods(
        self,
        route: Route,
        fn: Function | None,
        key: str,
        functions: Mapping[str, Function],
        index: SuffixIndex,
    ) -> list[tuple[tuple[str, ...], str, Function | None, str]]:
        """(methods, sub-path, handler function, handler key) for one registration."""
        if route.framework == "drf-viewset":
            if fn is None:
                return [(("GET",), "", None, key)]
            actions = self._inherited(fn, functions, index, "viewset_actions")
            out: list[tuple[tuple[str, ...], str, Function | None, str]] = []
            coll = [m for a, m in (("list", "GET"), ("create", "POST")) if a in actions]
            det = [
                m
                for a, m in (
                    ("retrieve", "GET"),
                    ("update", "PUT"),
                    ("partial_update", "PATCH"),
                    ("destroy", "DELETE"),
                )
                if a in actions
            ]
            list_fn = functions.get(f"{key}.list") or fn
            if coll:
                out.append((tuple(coll), "/", list_fn, key))
            if det:
                # A detail route returns one object, whatever the class's list action does.
                out.append((tuple(det), "/{pk}/", functions.get(f"{key}.retrieve"), key))
            for a in actions:
                if a.startswith(("detail:", "collection:")):
                    where, verbs, url_path = a.split(":", 2)
                    sub = f"/{{pk}}/{url_path}/" if where == "detail" else f"/{url_path}/"
                    out.append(
                        (tuple(verbs.split(",")), sub, functions.get(f"{key}.{url_path}"), key)
                    )
            return out
        methods = route.methods
        if fn is not None and fn.is_class:
            class_methods = self._inherited(fn, functions, index, "http_methods")
            if not methods or methods == ("*",):
                methods = class_methods or ("GET",)
            per_method: list[tuple[tuple[str, ...], str, Function | None, str]] = []
            for m in methods:
                sub_fn = functions.get(f"{key}.{m.lower()}") or fn
                per_method.append(((m,), "", sub_fn, key))
            return per_method
        if not methods:
            methods = fn.http_methods if fn and fn.http_methods else ("GET",)
        return [(methods, "", fn, key)]

    def _lineage(
        self, fn: Function, functions: Mapping[str, Function], index: SuffixIndex
    ) -> list[Function]:
        """A class and its project base classes, nearest first (depth-limited)."""
        out = [fn]
        i = 0
        while i < len(out) and len(out) < 8:
            for base in out[i].bases:
                key = index.find(base, "")
                if key and functions[key] not in out:
                    out.append(functions[key])
            i += 1
        return out

    def _paginated(
        self,
        fn: Function | None,
        h_fn: Function | None,
        functions: Mapping[str, Function],
        index: SuffixIndex,
    ) -> bool:
        """Paginated by the handler itself, by a class (or base class) `pagination_class`, or
        by DRF's global DEFAULT_PAGINATION_CLASS for generic views that do not turn it off."""
        if h_fn is not None and h_fn.paginated:
            return True
        if fn is None:
            return False
        lineage = self._lineage(fn, functions, index)
        for cls in lineage:
            if cls.paginated:
                return True
            if cls.pagination_off:
                return False
        if any(cls.drf_generic for cls in lineage):
            return self.drf_default_pagination
        return False

    def _inherited(
        self, fn: Function, functions: Mapping[str, Function], index: SuffixIndex, attr: str
    ) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(fn, attr)
        if value:
            return value
        for base in fn.bases:
            key = index.find(base, "")
            if key and functions[key] is not fn:
                inherited: tuple[str, ...] = getattr(functions[key], attr)
                if inherited:
                    return inherited
        return value

    def _merge_specs(
        self,
        connexion: list[tuple[str, str]],
        functions: Mapping[str, Function],
        fn_index: SuffixIndex,
    ) -> None:
        code = {(e.method, _shape(e.path)): e for e in self.svc.endpoints}
        bound = {posixpath.basename(spec) for _path, spec in connexion}
        for path, spec in self.specs:
            self.svc.spec_files.append(path)
            is_bound = posixpath.basename(path) in bound
            for op in spec.operations:
                key = (op.method, _shape(op.path))
                ep = code.get(key)
                if ep is not None:
                    ep.source = "code+spec"
                    ep.spec_location = op.location
                    ep.response_headers = op.response_headers
                    ep.max_items = op.max_items
                    ep.query_params = tuple(
                        dict.fromkeys(
                            (
                                *ep.query_params,
                                *(p.name for p in op.parameters if p.where == "query"),
                            )
                        )
                    )
                    ep.returns_list = ep.returns_list or op.response_shape in _LIST_SHAPES
                    ep.paginated = ep.paginated or op.response_shape == "paged-array"
                    continue
                handler = op.operation_id
                fn_key = fn_index.find(handler, "") if handler else ""
                if is_bound and handler and not fn_key:
                    self.svc.drift.append(
                        (
                            f"operationId {handler!r} of {op.method} {op.path} names no function in the service",
                            op.location,
                        )
                    )
                elif not is_bound and code:
                    self.svc.drift.append(
                        (
                            f"{op.method} {op.path} is in {path} but not served by the code",
                            op.location,
                        )
                    )
                fn = functions.get(fn_key) if fn_key else None
                # A spec-only operation of a service with code is drift, not something it
                # serves; it is still the API's contract, which the API-design rules read.
                served = is_bound or not code
                (self.svc.endpoints if served else self.svc.spec_only).append(
                    Endpoint(
                        method=op.method,
                        path=_normalise(op.path),
                        handler=fn_key or handler,
                        location=op.location,
                        framework="connexion" if is_bound else "openapi",
                        is_async=bool(fn and fn.is_async),
                        query_params=tuple(p.name for p in op.parameters if p.where == "query"),
                        returns_list=op.response_shape in _LIST_SHAPES,
                        paginated=op.response_shape == "paged-array",
                        source="spec",
                        spec_location=op.location,
                        response_headers=op.response_headers,
                        max_items=op.max_items,
                        handler_location=fn.location if fn else None,
                    )
                )
        if self.specs and any(ep.source == "code" for ep in self.svc.endpoints):
            spec_keys = {(op.method, _shape(op.path)) for _, s in self.specs for op in s.operations}
            if spec_keys:
                for ep in self.svc.endpoints:
                    if ep.source == "code" and (ep.method, _shape(ep.path)) not in spec_keys:
                        self.svc.drift.append(
                            (
                                f"{ep.method} {ep.path} is served by the code but not in the OpenAPI document",
                                ep.location,
                            )
                        )

    # -- calls ------------------------------------------------------------------------------------------
    def _calls(self) -> None:
        for _path, py in self.py:
            for c in py.calls:
                url = self.resolver.resolve(c.url)
                text = url.text
                unresolved = list(url.unresolved)
                if c.base_url is not None and "://" not in text and c.library != "grpc":
                    base = self.resolver.resolve(c.base_url)
                    text = join_url(base.text, text)
                    unresolved = base.unresolved + unresolved
                self.svc.calls.append(
                    Call(
                        service=self.svc.name,
                        library=c.library,
                        method=c.method,
                        url=text,
                        location=c.location,
                        function=f"{py.module}.{c.function}" if c.function else py.module,
                        timeout=c.timeout,
                        is_async=c.is_async,
                        in_async_function=c.in_async_function,
                        unresolved=tuple(unresolved),
                    )
                )

    def _brokers(self) -> None:
        task_names, fn_index = self.b.celery_tasks()
        for _path, py in self.py:
            for b in py.brokers:
                unresolved: tuple[str, ...] = ()
                if (
                    b.broker == "celery"
                    and b.topic.parts
                    and b.topic.parts[0].value.startswith("task:")
                ):
                    key = fn_index.find(b.topic.parts[0].value[5:], py.module)
                    topic = task_names.get(key, b.topic.parts[0].value[5:])
                else:
                    r = self.resolver.resolve(b.topic)
                    topic, unresolved = r.text, tuple(r.unresolved)
                    if b.broker == "celery" and topic == f"{py.module}.{b.function}":
                        topic = self.b.task_name(topic, _path)
                self.svc.brokers.append(
                    BrokerEdge(
                        self.svc.name,
                        b.broker,
                        b.role,
                        topic,
                        b.location,
                        f"{py.module}.{b.function}" if b.function else py.module,
                        unresolved,
                    )
                )

    def _databases(self) -> None:
        for _path, py in self.py:
            for d in py.databases:
                identity: DatabaseIdentity | None = None
                unresolved: list[str] = []
                text = ""
                if d.dsn is not None:
                    r = self.resolver.resolve(d.dsn)
                    text = r.text
                    if r.complete:
                        identity = parse_dsn(r.text, d.driver)
                        if identity is None:
                            unresolved.append(f"{r.text!r} is not a DSN archlint understands")
                    else:
                        unresolved.extend(r.unresolved)
                elif d.fields:
                    values: dict[str, str] = {}
                    for name, expr in d.fields:
                        r = self.resolver.resolve(expr)
                        if r.complete:
                            values[name] = r.text
                        else:
                            unresolved.extend(r.unresolved)
                    if not unresolved or ("name" in values and "host" in values):
                        identity = identity_from_fields(d.driver, values)
                        unresolved = []
                else:
                    identity = identity_from_fields(d.driver, {})
                self.svc.databases.append(
                    DatabaseUseResolved(
                        self.svc.name, d.driver, identity, d.location, tuple(unresolved), text
                    )
                )
                if unresolved and d.location is not None:
                    self.b.system.unresolved.append(
                        (d.location, f"{d.driver} database: {'; '.join(unresolved)}")
                    )

    def _tables(self) -> None:
        for path in self.svc.files:
            f = self.b.files[path]
            if is_test_path(path):
                continue
            if f.python is not None:
                for t in f.python.tables:
                    self.svc.tables.append(
                        TableRef(self.svc.name, t.table, t.op, t.location, t.via)
                    )
            if f.sql is not None:
                for st in f.sql.statements:
                    for t in st.tables:
                        self.svc.tables.append(
                            TableRef(self.svc.name, t.table, t.op, t.location, t.via)
                        )


# ---------------------------------------------------------------------------------------------
# Helpers


def _where(*functions: Function | None) -> Location | None:
    """The location of the first function known."""
    return next((f.location for f in functions if f is not None), None)


def _image_name(image: str) -> str:
    """`registry.example.com/team/orders-api:1.2@sha256:…` → `orders-api`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def _match_host(host: str, hosts: Mapping[str, str]) -> str | None:
    if host in hosts:
        return hosts[host]
    first = host.split(".", 1)[0]
    # k8s: name.namespace, name.namespace.svc, name.namespace.svc.cluster.local
    if (
        "." in host
        and (host.endswith((".svc", ".svc.cluster.local", ".local")) or host.count(".") == 1)
        and first in hosts
    ):
        return hosts[first]
    return None


def _is_external(host: str) -> bool:
    if host in {"localhost", "127.0.0.1", "0.0.0.0", "::1"} or host.endswith(
        (".svc", ".local", ".internal", ".cluster.local")
    ):
        return False
    return "." in host and not host.replace(".", "").isdigit()


def _normalise(path: str) -> str:
    """Flask `<int:id>`, Django `<pk>`, Starlette `{id:int}` → `{id}`; regex routes → templates."""
    if path.startswith("re:") or "(?P<" in path or path.startswith("^"):
        path = path.removeprefix("re:")
        path = _REGEX_GROUP.sub(lambda m: "{" + m.group(1) + "}", path)
        path = path.lstrip("^").rstrip("$").replace("/?", "/").replace("\\", "")
    path = path.replace("re:", "")
    return _PATH_PARAM.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", path)


def _join_paths(*pieces: str) -> str:
    out = ""
    for piece in pieces:
        if not piece:
            continue
        piece = _normalise(piece)
        if not out:
            out = piece
        elif out.endswith("/") and piece.startswith("/"):
            out += piece[1:]
        elif out.endswith("/") or piece.startswith("/"):
            out += piece
        else:
            out += "/" + piece
    if not out.startswith("/"):
        out = "/" + out
    return out


def _shape(path: str) -> str:
    """A path with parameters blanked and no trailing slash, for matching."""
    return re.sub(r"\{[^{}]*\}", "{}", _normalise(path)).rstrip("/") or "/"


def _match_endpoint(endpoints: Sequence[Endpoint], method: str, path: str) -> Endpoint | None:
    if not path:
        return None
    target = path.split("?", 1)[0].rstrip("/") or "/"
    tseg = target.split("/")
    best: Endpoint | None = None
    for ep in endpoints:
        if method not in {ep.method, "?"}:
            continue
        eseg = (ep.path.rstrip("/") or "/").split("/")
        if len(eseg) != len(tseg):
            continue
        if all(
            e == t or e.startswith("{") or t.startswith("{")
            for e, t in zip(eseg, tseg, strict=True)
        ):
            exact = sum(e == t for e, t in zip(eseg, tseg, strict=True))
            if best is None or exact > sum(
                e == t for e, t in zip((best.path.rstrip("/") or "/").split("/"), tseg, strict=True)
            ):
                best = ep
    return best
