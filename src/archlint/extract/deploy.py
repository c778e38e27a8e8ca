"""Deployment readers: docker-compose, Kubernetes manifests and .env files → DeployFacts.

The YAML readers walk ruamel's *composed* documents (never constructed: no tag is instantiated)
along the few paths compose and Kubernetes define, so a document of any shape costs one look at
the keys they name. Three things make hostile or odd YAML safe here:

- Aliases are shared nodes. Merge keys (`<<: *base`) are flattened once per mapping and
  memoised, so `<<` chains cost their text size, and a merge cycle (`&a {<<: *a}`) is cut.
- Every mapping or sequence the readers look at spends from a per-file budget: a fixed
  allowance plus an amount proportional to the file's size. A document that reuses one big anchor in thousands of places (a quadratic
  amplification no single walk would notice) runs out of budget and yields the facts read so far.
- Wrong types are normal input: every accessor returns an empty value for a node of the wrong
  kind, so a reader never raises and returns partial facts.

`interpolate` implements compose's `${VAR…}` syntax for the assemble stage; the readers keep
values as written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from archlint.facts import ConfigValues, DeployFacts, NetworkService, Probe, Workload
from archlint.location import Location
from archlint.model import NamedValue

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_MAX_MERGE_DEPTH = 16  # `<<` chains deeper than this are read up to this depth
_MAX_LIST_DEPTH = 4  # `kind: List` inside `kind: List` …
_BASE_BUDGET = 1_000_000  # units of work (keys and items looked at) any file may spend (~0.2 s) …
_BUDGET_PER_CHAR = 2  # … plus this many per character of YAML text

# A mapping flattened: key text → (key node, value node), in file order (merged keys where
# their `<<` stands).
Pairs = dict[str, tuple[Node, Node]]


class _Exhausted(Exception):
    """The file's work budget is spent: stop and return the facts read so far."""


class _Reader:
    """Reads one file's composed nodes: merge keys honoured, work bounded, locations built."""

    def __init__(self, path: str, nodes: Sequence[Node]) -> None:
        self.path = path
        self.budget = _BASE_BUDGET + _BUDGET_PER_CHAR * _text_size(nodes)
        self._flat: dict[int, Pairs] = {}
        self._busy: set[int] = set()

    def spend(self, units: int) -> None:
        self.budget -= units
        if self.budget < 0:
            raise _Exhausted

    def mapping(self, node: Node | None) -> Pairs:
        """The mapping's keys with merges applied; {} for anything that is not a mapping."""
        if not isinstance(node, MappingNode):
            return {}
        flat = self._flatten(node, 0)
        self.spend(len(flat) + 1)  # callers iterate or index it: charge every use of a shared node
        return flat

    def items(self, node: Node | None) -> list[Node]:
        """A sequence's items; [] for anything that is not a sequence."""
        if not isinstance(node, SequenceNode) or not isinstance(node.value, list):
            return []
        self.spend(len(node.value) + 1)
        return node.value

    def loc(self, node: Node) -> Location:
        start, end = node.start_mark, node.end_mark
        return Location(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def _flatten(self, node: MappingNode, depth: int) -> Pairs:
        key = id(node)
        cached = self._flat.get(key)
        if cached is not None:
            return cached
        if key in self._busy:  # a recursive anchor merging itself: YAML allows it, we cut it
            return {}
        self._busy.add(key)
        try:
            flat = self._flatten_uncached(node, depth)
        finally:
            self._busy.discard(key)
        self._flat[key] = flat
        return flat

    def _flatten_uncached(self, node: MappingNode, depth: int) -> Pairs:
        pairs = node.value if isinstance(node.value, list) else []
        self.spend(len(pairs) + 1)
        local: Pairs = {}
        for key_node, value_node in pairs:
            # Complex keys mean nothing to compose or Kubernetes; a duplicate key: the last wins.
            if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG:
                local[key_node.value] = (key_node, value_node)
        if len(local) == len(pairs):
            return local  # no merge key: the common case
        # Keys in file order, merged ones where `<<` stands. Local keys win over merged ones,
        # and an earlier merged mapping over a later one.
        flat: Pairs = {}
        for key_node, value_node in pairs:
            if not isinstance(key_node, ScalarNode):
                continue
            if key_node.tag != _MERGE_TAG:
                flat.setdefault(key_node.value, local[key_node.value])
            elif depth < _MAX_MERGE_DEPTH:
                for name, pair in self._merged(value_node, depth).items():
                    if name not in local:
                        flat.setdefault(name, pair)
        return flat

    def _merged(self, node: Node, depth: int) -> Pairs:
        """The keys `<<: *a` or `<<: [*a, *b]` brings in (earlier mappings first)."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        if len(sources) == 1 and isinstance(sources[0], MappingNode):
            inherited = self._flatten(sources[0], depth + 1)
            self.spend(len(inherited))
            return inherited
        out: Pairs = {}
        for source in sources:
            if isinstance(source, MappingNode):
                inherited = self._flatten(source, depth + 1)
                self.spend(len(inherited))
                for name, pair in inherited.items():
                    out.setdefault(name, pair)
        return out


def _text_size(nodes: Sequence[Node]) -> int:
    """The YAML text's length in characters, from the last document's end mark."""
    size = 0
    for node in nodes:
        index = getattr(node.end_mark, "index", 0)
        if isinstance(index, int) and index > size:
            size = index
    return size


def _text(node: Node | None) -> str | None:
    """A scalar's text as written (numbers and booleans too); None for null and non-scalars."""
    if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
        return None
    if node.tag == _NULL_TAG:
        return None
    return node.value


def _get(pairs: Pairs, key: str) -> Node | None:
    pair = pairs.get(key)
    return pair[1] if pair is not None else None


def _str(pairs: Pairs, key: str) -> str:
    return _text(_get(pairs, key)) or ""


def _words(r: _Reader, node: Node | None) -> str:
    """A command as a string or a list of words, joined with spaces."""
    text = _text(node)
    if text is not None:
        return text
    return " ".join(w for w in (_text(item) for item in r.items(node)) if w is not None)


def _texts(r: _Reader, node: Node | None) -> list[str]:
    """A string or a list of strings, as a list."""
    text = _text(node)
    if text is not None:
        return [text]
    return [t for t in (_text(item) for item in r.items(node)) if t is not None]


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, in order."""
    return tuple(dict.fromkeys(v for v in values if v))


# ---------------------------------------------------------------------------------------------
# docker-compose


def read_compose(nodes: list[Node], path: str) -> DeployFacts | None:
    """One Workload per entry of `services:` (Compose file format v2/v3 and the Compose Spec)."""
    r = _Reader(path, nodes)
    workloads: list[Workload] = []
    try:
        for doc in nodes:
            services = r.mapping(_get(r.mapping(doc), "services"))
            for name, (key_node, node) in services.items():
                workloads.append(_compose_service(r, name, key_node, node))
    except _Exhausted:
        pass
    return DeployFacts(workloads=tuple(workloads)) if workloads else None


def _compose_service(r: _Reader, name: str, key_node: Node, node: Node) -> Workload:
    svc = r.mapping(node)
    folder = posixpath.dirname(r.path)
    context, dockerfile = _compose_build(r, _get(svc, "build"), folder)
    # The entrypoint runs the command as its arguments: together they are what the process runs.
    command = " ".join(
        w for w in (_words(r, _get(svc, "entrypoint")), _words(r, _get(svc, "command"))) if w
    )
    env_files = _compose_env_files(r, _get(svc, "env_file"), folder)
    healthcheck = svc.get("healthcheck")
    probe = _compose_healthcheck(r, *healthcheck) if healthcheck is not None else None
    return Workload(
        source="compose",
        name=name,
        kind="service",
        location=r.loc(key_node),
        build_context=context,
        dockerfile=dockerfile,
        image=_str(svc, "image"),
        command=command,
        environment=_compose_environment(r, _get(svc, "environment")),
        env_files=env_files,
        ports=_compose_ports(r, _get(svc, "ports")),
        probes=(probe,) if probe is not None else (),
        labels=_compose_labels(r, _get(svc, "labels")),
        depends_on=_compose_depends_on(r, _get(svc, "depends_on")),
        hostnames=_compose_hostnames(r, name, svc),
    )


def _project_path(folder: str, written: str) -> str:
    """A path written relative to the compose file's folder, as a project-relative POSIX path.

    Kept as written when it cannot be made project-relative here: absolute paths, remote build
    contexts (git URLs), interpolated paths (resolved later, against the project's env) and paths
    that climb above the project root.
    """
    if (
        not written
        or written.startswith("/")
        or "$" in written
        or "://" in written
        or written.startswith("git@")
        or re.match(r"[A-Za-z]:[\\/]", written)
    ):
        return written
    resolved = posixpath.normpath(posixpath.join(folder, written))
    if resolved == ".." or resolved.startswith("../"):
        return written
    return resolved


def _compose_build(r: _Reader, node: Node | None, folder: str) -> tuple[str, str]:
    """`build: ./dir` or `build: {context, dockerfile | dockerfile_inline}` → (context, dockerfile)."""
    if node is None:
        return "", ""
    text = _text(node)
    if text is not None:
        return _project_path(folder, text), "Dockerfile"
    build = r.mapping(node)
    if not build:
        return "", ""
    context = _project_path(folder, _str(build, "context") or ".")
    inline = _text(_get(build, "dockerfile_inline"))
    if inline is not None:
        # Two services building the same context from different inline Dockerfiles are two
        # builds: name the inline text by its hash so they compare unequal.
        return context, "inline:" + hashlib.sha256(
            inline.encode("utf-8", "surrogatepass")
        ).hexdigest()[:12]
    return context, _str(build, "dockerfile") or "Dockerfile"


def _compose_environment(r: _Reader, node: Node | None) -> tuple[tuple[str, str], ...]:
    """`environment:` as a mapping or a list of `KEY=value`, values as written.

    A variable given without a value (`KEY:` or `- KEY`) takes its value from the environment
    compose runs in; it is recorded as `${KEY}` so that the assemble stage resolves it the same
    way as any other interpolation (from .env files).
    """
    out: dict[str, str] = {}
    if isinstance(node, MappingNode):
        for name, (_, value_node) in r.mapping(node).items():
            if not name:
                continue
            if isinstance(value_node, ScalarNode):
                value = _text(value_node)
                out[name] = value if value is not None else "${" + name + "}"
    else:
        for item in r.items(node):
            entry = _text(item)
            if not entry:
                continue
            name, sep, value = entry.partition("=")
            name = name.strip()
            if name:
                out[name] = value if sep else "${" + name + "}"
    return tuple(out.items())


def _compose_env_files(r: _Reader, node: Node | None, folder: str) -> tuple[str, ...]:
    """`env_file:` as a string, a list of strings, or a list of `{path, required}` (mixed too)."""
    items = r.items(node) if isinstance(node, SequenceNode) else [node]
    paths: list[str] = []
    for item in items:
        written = _text(item) if isinstance(item, ScalarNode) else _str(r.mapping(item), "path")
        if written:
            paths.append(_project_path(folder, written))
    return _dedupe(paths)


def _compose_ports(r: _Reader, node: Node | None) -> tuple[str, ...]:
    """Short syntax as written ("8000:8000", "127.0.0.1:80:80/udp"); long syntax rewritten to the
    short form it stands for."""
    out: list[str] = []
    for item in r.items(node):
        text = _text(item)
        if text is not None:
            out.append(text)
            continue
        port = r.mapping(item)
        target = _str(port, "target")
        if not target:
            continue
        published, host_ip, protocol = (
            _str(port, "published"),
            _str(port, "host_ip"),
            _str(port, "protocol"),
        )
        short = f"{published}:{target}" if published else target
        if host_ip and published:
            short = f"{host_ip}:{short}"
        if protocol and protocol.lower() != "tcp":
            short = f"{short}/{protocol}"
        out.append(short)
    return tuple(out)


def _compose_depends_on(r: _Reader, node: Node | None) -> tuple[str, ...]:
    if isinstance(node, MappingNode):
        return _dedupe(list(r.mapping(node)))
    return _dedupe(_texts(r, node))


def _compose_labels(r: _Reader, node: Node | None) -> tuple[tuple[str, str], ...]:
    """`labels:` as a mapping or a list of `key=value`."""
    out: dict[str, str] = {}
    if isinstance(node, MappingNode):
        for name, (_, value_node) in r.mapping(node).items():
            if name and isinstance(value_node, ScalarNode):
                out[name] = _text(value_node) or ""
    else:
        for entry in _texts(r, node):
            name, _, value = entry.partition("=")
            if name.strip():
                out[name.strip()] = value
    return tuple(out.items())


def _compose_hostnames(r: _Reader, name: str, svc: Pairs) -> tuple[str, ...]:
    """Names other containers reach the service by: its name, container_name, hostname and the
    aliases it has on each network."""
    names = [name, _str(svc, "container_name"), _str(svc, "hostname")]
    networks = _get(svc, "networks")
    if isinstance(networks, MappingNode):  # a list of network names carries no aliases
        for _, network in r.mapping(networks).values():
            names.extend(_texts(r, _get(r.mapping(network), "aliases")))
    return _dedupe(names)


def _compose_healthcheck(r: _Reader, key_node: Node, node: Node) -> Probe | None:
    """`healthcheck:` → an exec probe with the HTTP path and port its command requests, if any;
    None when the health check is disabled."""
    if not isinstance(node, MappingNode):
        return None
    check = r.mapping(node)
    if _str(check, "disable").lower() == "true":
        return None
    test = _get(check, "test")
    words = _texts(r, test)
    if isinstance(test, SequenceNode) and words:
        if words[0].upper() == "NONE":
            return None
        if words[0].upper() in ("CMD", "CMD-SHELL"):
            words = words[1:]
    path, port = _http_target(" ".join(words))
    return Probe(kind="healthcheck", type="exec", path=path, port=port, location=r.loc(key_node))


_URL_RE = re.compile(r"https?://([^/\s'\"?#]*)([^\s'\"?#]*)", re.IGNORECASE)
# What curl and wget accept without a scheme: host[:port][/path], e.g. `localhost:8000/health`.
_BARE_URL_RE = re.compile(
    r"(?:[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])(?::(?:\d+|\$\{[^}\s]*\}|\$\w+))?(/\S*)?"
)
_HTTP_CLIENTS = ("curl", "wget")
# curl / wget options whose next word is their value, not a URL (`-H Host:x`, `-o /dev/null`).
_OPTIONS_WITH_VALUE = frozenset(
    {
        "-H", "--header", "-o", "--output", "-O", "--output-document", "-u", "--user", "-d",
        "--data", "-X", "--request", "-A", "--user-agent", "-e", "--referer", "-w", "--write-out",
        "-m", "--max-time", "--connect-timeout", "-T", "--timeout", "-t", "--tries", "--retry",
        "-U", "--cacert", "--cert", "--key",
    }
)  # fmt: skip


def _http_target(command: str) -> tuple[str, str]:
    """The (path, port) of the first HTTP URL a health-check command requests; ("", "") if none.

    A URL without a path requests "/".
    """
    match = _URL_RE.search(command)
    if match is not None:
        return match.group(2) or "/", _port_of(match.group(1))
    words = [w.strip("'\"") for w in command.split()]
    if not any(posixpath.basename(w) in _HTTP_CLIENTS for w in words):
        return "", ""
    for before, word in zip(["", *words], words, strict=False):
        if (
            word.startswith("-")
            or before in _OPTIONS_WITH_VALUE
            or posixpath.basename(word) in _HTTP_CLIENTS
        ):
            continue
        bare = _BARE_URL_RE.fullmatch(word)
        if bare is not None and (":" in word or "/" in word):
            path = bare.group(1) or "/"
            return path, _port_of(word[: len(word) - len(bare.group(1) or "")])
    return "", ""


def _port_of(netloc: str) -> str:
    """The port in `host:port`, `user@host:port` or `[::1]:port`, as written ("" when none)."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        host = host.partition("]")[2]
    return host.rpartition(":")[2] if ":" in host else ""


# ---------------------------------------------------------------------------------------------
# Kubernetes

# Where each workload kind keeps its pod template; () means the object is the pod itself.
_POD_TEMPLATE: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
_PROBES = (
    ("livenessProbe", "liveness"),
    ("readinessProbe", "readiness"),
    ("startupProbe", "startup"),
)
# Core-group kinds: another API group may reuse the name (Knative's `Service` is a workload).
_CORE_KINDS = {"Service", "ConfigMap", "Secret", "Pod"}


class _K8sFacts:
    def __init__(self) -> None:
        self.workloads: list[Workload] = []
        self.services: list[NetworkService] = []
        self.configs: list[ConfigValues] = []


def read_kubernetes(nodes: list[Node], path: str) -> DeployFacts | None:
    """Workloads (one per pod-template container), Services, ConfigMaps and Secrets of every
    document, including the items of `kind: List` documents."""
    r = _Reader(path, nodes)
    out = _K8sFacts()
    try:
        for doc in nodes:
            _k8s_document(r, r.mapping(doc), out, 0)
    except _Exhausted:
        pass
    if not (out.workloads or out.services or out.configs):
        return None
    return DeployFacts(tuple(out.workloads), tuple(out.services), tuple(out.configs))


def _k8s_document(r: _Reader, obj: Pairs, out: _K8sFacts, depth: int) -> None:
    kind = _str(obj, "kind")
    api_version = _str(obj, "apiVersion")
    if kind in _CORE_KINDS and "/" in api_version:
        return
    if kind in _POD_TEMPLATE:
        out.workloads.extend(_k8s_workloads(r, obj, kind))
    elif kind == "Service":
        out.services.append(_k8s_service(r, obj))
    elif kind in ("ConfigMap", "Secret"):
        out.configs.append(_k8s_config(r, obj, kind))
    elif kind.endswith("List") and depth < _MAX_LIST_DEPTH:  # List, DeploymentList, …
        for item in r.items(_get(obj, "items")):
            _k8s_document(r, r.mapping(item), out, depth + 1)


def _k8s_name(r: _Reader, obj: Pairs) -> tuple[str, Location]:
    """metadata.name and the location of its key (of `kind:`, or the document, without one)."""
    meta = r.mapping(_get(obj, "metadata"))
    name = _str(meta, "name") or _str(meta, "generateName")
    for pairs, key in ((meta, "name"), (meta, "generateName"), (obj, "kind")):
        pair = pairs.get(key)
        if pair is not None:
            return name, r.loc(pair[0])
    return name, Location(r.path, 1)


def _k8s_workloads(r: _Reader, obj: Pairs, kind: str) -> list[Workload]:
    name, location = _k8s_name(r, obj)
    template = obj
    for key in _POD_TEMPLATE[kind]:
        template = r.mapping(_get(template, key))
    labels = _scalar_pairs(r, _get(r.mapping(_get(template, "metadata")), "labels"))
    spec = r.mapping(_get(template, "spec"))
    # Init containers run to completion before the pod starts: they serve nothing.
    containers = [r.mapping(c) for c in r.items(_get(spec, "containers"))]
    containers = [c for c in containers if c]
    several = len(containers) > 1
    out: list[Workload] = []
    for index, container in enumerate(containers):
        name_key = container.get("name")
        if several:
            workload_name = f"{name}/{_str(container, 'name') or index}"
        else:
            workload_name = name
        where = r.loc(name_key[0]) if name_key is not None else location
        out.append(_k8s_container(r, container, workload_name, kind, where, labels))
    return out


def _k8s_container(
    r: _Reader,
    container: Pairs,
    name: str,
    kind: str,
    location: Location,
    labels: tuple[tuple[str, str], ...],
) -> Workload:
    # The container runs `command` (the image's entrypoint when absent) with `args`.
    command = (_words(r, _get(container, "command")), _words(r, _get(container, "args")))
    ports = (_str(r.mapping(p), "containerPort") for p in r.items(_get(container, "ports")))
    return Workload(
        source="kubernetes",
        name=name,
        kind=kind,
        location=location,
        image=_str(container, "image"),
        command=" ".join(w for w in command if w),
        environment=_k8s_env(r, _get(container, "env")),
        env_from=_k8s_env_from(r, _get(container, "envFrom")),
        ports=tuple(p for p in ports if p),
        probes=_k8s_probes(r, container),
        labels=labels,
    )


def _k8s_env(r: _Reader, node: Node | None) -> tuple[tuple[str, str], ...]:
    """`env:` entries; a `valueFrom` is recorded as a marker naming its source, e.g.
    `${secretKeyRef:orders-db/password}`: the value lives elsewhere (or only in the cluster)."""
    out: dict[str, str] = {}
    for item in r.items(node):
        entry = r.mapping(item)
        name = _str(entry, "name")
        if not name:
            continue
        if "value" in entry:
            out[name] = _str(entry, "value")
        else:
            out[name] = _value_from(r, _get(entry, "valueFrom"))
    return tuple(out.items())


def _value_from(r: _Reader, node: Node | None) -> str:
    source = r.mapping(node)
    for ref in ("secretKeyRef", "configMapKeyRef"):
        selector = r.mapping(_get(source, ref))
        if selector:
            return f"${{{ref}:{_str(selector, 'name')}/{_str(selector, 'key')}}}"
    field = r.mapping(_get(source, "fieldRef"))
    if field:
        return f"${{fieldRef:{_str(field, 'fieldPath')}}}"
    resource = r.mapping(_get(source, "resourceFieldRef"))
    if resource:
        return f"${{resourceFieldRef:{_str(resource, 'resource')}}}"
    return ""


def _k8s_env_from(r: _Reader, node: Node | None) -> tuple[str, ...]:
    names: list[str] = []
    for item in r.items(node):
        entry = r.mapping(item)
        for ref in ("configMapRef", "secretRef"):
            names.append(_str(r.mapping(_get(entry, ref)), "name"))
    return _dedupe(names)


def _k8s_probes(r: _Reader, container: Pairs) -> tuple[Probe, ...]:
    probes: list[Probe] = []
    for key, kind in _PROBES:
        pair = container.get(key)
        if pair is None:
            continue
        probe = r.mapping(pair[1])
        location = r.loc(pair[0])
        if "httpGet" in probe:
            http = r.mapping(_get(probe, "httpGet"))
            # Without a path the kubelet requests "/".
            probes.append(
                Probe(kind, "http", _str(http, "path") or "/", _str(http, "port"), location)
            )
        elif "tcpSocket" in probe:
            port = _str(r.mapping(_get(probe, "tcpSocket")), "port")
            probes.append(Probe(kind, "tcp", "", port, location))
        elif "grpc" in probe:
            port = _str(r.mapping(_get(probe, "grpc")), "port")
            probes.append(Probe(kind, "grpc", "", port, location))
        elif "exec" in probe:
            probes.append(Probe(kind, "exec", "", "", location))
        # A probe with no handler is invalid (the API server refuses it): no probe.
    return tuple(probes)


def _k8s_service(r: _Reader, obj: Pairs) -> NetworkService:
    """A Service: its selector and ports as "port:targetPort" ("port" without a targetPort)."""
    name, location = _k8s_name(r, obj)
    spec = r.mapping(_get(obj, "spec"))
    ports: list[str] = []
    for item in r.items(_get(spec, "ports")):
        entry = r.mapping(item)
        port, target = _str(entry, "port"), _str(entry, "targetPort")
        if port:
            ports.append(f"{port}:{target}" if target else port)
    return NetworkService(name, _scalar_pairs(r, _get(spec, "selector")), tuple(ports), location)


def _k8s_config(r: _Reader, obj: Pairs, kind: str) -> ConfigValues:
    """A ConfigMap's `data`, or a Secret's `data` (base64-decoded when it is UTF-8 text) with its
    `stringData` on top, the way the API server merges them."""
    name, location = _k8s_name(r, obj)
    values = dict(_scalar_pairs(r, _get(obj, "data")))
    if kind == "Secret":
        values = {k: v for k, v in ((k, _b64_text(v)) for k, v in values.items()) if v is not None}
        values.update(_scalar_pairs(r, _get(obj, "stringData")))
    return ConfigValues(name, kind.lower(), tuple(values.items()), location)


def _b64_text(value: str) -> str | None:
    try:
        return base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def _scalar_pairs(r: _Reader, node: Node | None) -> tuple[tuple[str, str], ...]:
    """A mapping of scalars (labels, selectors, data) as pairs; null values are ""."""
    return tuple(
        (name, _text(value) or "")
        for name, (_, value) in r.mapping(node).items()
        if name and isinstance(value, ScalarNode)
    )


# ---------------------------------------------------------------------------------------------
# .env


def read_dotenv_values(values: Sequence[NamedValue], path: str) -> DeployFacts | None:
    """A .env file's KEY=value pairs, as the dotenv reader found them."""
    if not values:
        return None
    pairs = tuple((v.name, v.value) for v in values)
    return DeployFacts(config_values=(ConfigValues(path, "dotenv", pairs, Location(path, 1)),))


# ---------------------------------------------------------------------------------------------
# Compose interpolation

_MAX_INTERPOLATION_DEPTH = 8  # `${A:-${B:-…}}` nested deeper than this stays as written
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")
_BRACE_RE = re.compile(r"\$\{|\}")


def interpolate(value: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Compose's variable interpolation of `value` against `env`.

    `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
    `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}` and `$$` for a
    literal `$`; defaults and alternatives may nest. Returns the result and the names that were
    unset (or empty, for `:?`) with no default, in order; they expand to "". Malformed
    expressions (`${`, `${1}`) are kept as written, where compose would refuse the file.
    """
    missing: list[str] = []
    result = _interpolate(value, env, missing, 0)
    return result, list(dict.fromkeys(missing))


def _interpolate(value: str, env: Mapping[str, str], missing: list[str], depth: int) -> str:
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        dollar = value.find("$", i)
        if dollar < 0:
            out.append(value[i:])
            break
        out.append(value[i:dollar])
        i = dollar + 1
        if i < n and value[i] == "$":
            out.append("$")
            i += 1
        elif i < n and value[i] == "{":
            end = _closing_brace(value, i + 1)
            if end < 0 or depth >= _MAX_INTERPOLATION_DEPTH:
                out.append(value[dollar:] if end < 0 else value[dollar : end + 1])
                i = n if end < 0 else end + 1
                continue
            out.append(_braced(value[i + 1 : end], value[dollar : end + 1], env, missing, depth))
            i = end + 1
        else:
            name = _NAME_RE.match(value, i)
            if name is None:
                out.append("$")  # `$` before anything else is a plain dollar sign
                continue
            out.append(_lookup(name.group(), env, missing))
            i = name.end()
    return "".join(out)


def _closing_brace(value: str, start: int) -> int:
    """The index of the `}` closing a `${` whose body starts at `start`; -1 if unclosed.
    Nested `${…}` pairs are skipped; other braces are text."""
    depth = 0
    for token in _BRACE_RE.finditer(value, start):  # one linear pass, however deep the nesting
        if token.group() == "${":
            depth += 1
        elif depth == 0:
            return token.start()
        else:
            depth -= 1
    return -1


def _braced(body: str, written: str, env: Mapping[str, str], missing: list[str], depth: int) -> str:
    name_match = _NAME_RE.match(body)
    if name_match is None:
        return written
    name, rest = name_match.group(), body[name_match.end() :]
    if not rest:
        return _lookup(name, env, missing)
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        return written  # `${VAR/x/y}`, `${secretKeyRef:…}`: not compose syntax
    arg = rest[len(operator) :]
    current = env.get(name)
    present = current is not None and (current != "" or ":" not in operator)
    if operator.endswith("-"):
        return (current or "") if present else _interpolate(arg, env, missing, depth + 1)
    if operator.endswith("+"):
        return _interpolate(arg, env, missing, depth + 1) if present else ""
    # `?`: compose refuses to run without the variable; report it like an unset one.
    if present:
        return current or ""
    missing.append(name)
    return ""


def _lookup(name: str, env: Mapping[str, str], missing: list[str]) -> str:
    current = env.get(name)
    if current is None:
        missing.append(name)
        return ""
    return current
