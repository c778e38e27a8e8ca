"""Deployment facts from docker-compose files, Kubernetes manifests and .env files.

Nodes are built the way the real reader builds them (`read_yaml` composes, never constructs),
so these tests see exactly the node shapes `read_facts` hands to the deploy readers.
"""

from __future__ import annotations

import base64
import random
import textwrap
import time
from collections.abc import Callable

import msgspec
import pytest

from archlint.extract import read_facts
from archlint.extract.config import read_dotenv
from archlint.extract.deploy import interpolate, read_compose, read_dotenv_values, read_kubernetes
from archlint.extract.yamlfile import read_yaml
from archlint.facts import DeployFacts, Probe, Workload
from archlint.location import Location
from archlint.model import FileFacts, FileKind, SourceFile

Reader = Callable[..., DeployFacts | None]


def facts(reader: Reader, text: str, path: str) -> DeployFacts:
    yf = read_yaml(textwrap.dedent(text), path)
    assert yf.problem is None, yf.problem
    result = reader(yf.nodes, path)
    assert result is not None
    return result


def compose(text: str, path: str = "docker-compose.yml") -> dict[str, Workload]:
    workloads = facts(read_compose, text, path).workloads
    assert all(w.source == "compose" and w.kind == "service" for w in workloads)
    return {w.name: w for w in workloads}


def k8s(text: str, path: str = "deploy/k8s/app.yaml") -> DeployFacts:
    return facts(read_kubernetes, text, path)


# ---------------------------------------------------------------------------------------------
# docker-compose

SHOP = """\
name: shop

x-common: &common
  restart: unless-stopped
  env_file: .env
  environment: &common-env
    LOG_LEVEL: ${LOG_LEVEL:-info}
    PYTHONUNBUFFERED: "1"
  labels:
    team: platform

services:
  web:
    <<: *common
    build:
      context: ./services/orders
      dockerfile: docker/Dockerfile.prod
    command: ["gunicorn", "orders.wsgi", "--bind", "0.0.0.0:8000"]
    environment:
      <<: *common-env
      LOG_LEVEL: debug
      DATABASE_URL: postgresql://orders:${DB_PASSWORD}@db:5432/orders
      PAYMENTS_URL: http://payments:8080
    ports:
      - "8000:8000"
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health/ready"]
      interval: 10s
    networks:
      backend:
        aliases: [orders, orders.internal]

  worker:
    <<: *common
    build:
      context: ./services/orders
      dockerfile: docker/Dockerfile.prod
    entrypoint: celery
    command: -A orders worker -l info
    environment:
      - BROKER_URL=amqp://guest:guest@rabbitmq:5672//
      - DEBUG
      - EMPTY=
    depends_on: [db, rabbitmq]

  payments:
    build: ./services/payments
    container_name: shop-payments
    hostname: payments.local
    env_file:
      - ./services/payments/.env
      - path: ./services/payments/.env.local
        required: false
    ports:
      - 8080
      - target: 9090
        published: "19090"
        protocol: udp
      - target: 7000
        published: 7001
        host_ip: 127.0.0.1
    healthcheck:
      test: wget -q --spider http://127.0.0.1:8080/healthz || exit 1
    labels:
      - com.example.tier=backend
      - com.example.flag
    networks: [backend]

  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
  cache:
    image: redis:7
    healthcheck:
      disable: true
  rabbitmq:
    image: rabbitmq:3.12
    healthcheck:
      test: ["NONE"]
"""


def test_every_service_is_a_workload_at_its_key():
    services = compose(SHOP)
    assert list(services) == ["web", "worker", "payments", "db", "cache", "rabbitmq"]
    assert services["web"].location == Location("docker-compose.yml", 13, 3, 13, 6)
    assert services["worker"].location.line == 38


def test_same_build_for_web_and_worker_with_different_commands():
    services = compose(SHOP)
    web, worker = services["web"], services["worker"]
    assert (web.build_context, web.dockerfile) == ("services/orders", "docker/Dockerfile.prod")
    assert (worker.build_context, worker.dockerfile) == (web.build_context, web.dockerfile)
    assert web.command == "gunicorn orders.wsgi --bind 0.0.0.0:8000"
    assert worker.command == "celery -A orders worker -l info"  # entrypoint, then command
    assert services["payments"].build_context == "services/payments"
    assert services["payments"].dockerfile == "Dockerfile"
    assert services["db"].build_context == "" and services["db"].image == "postgres:16"


def test_merge_keys_bring_in_the_anchor_and_local_keys_win():
    services = compose(SHOP)
    web = services["web"]
    assert web.env_files == (".env",)  # from x-common
    assert web.labels == (("team", "platform"),)
    assert dict(web.environment) == {
        "LOG_LEVEL": "debug",  # local wins over <<: *common-env
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": "postgresql://orders:${DB_PASSWORD}@db:5432/orders",
        "PAYMENTS_URL": "http://payments:8080",
    }
    # Merged keys stand where `<<` stands, a key given locally too where it is given.
    assert [name for name, _ in web.environment][:2] == ["PYTHONUNBUFFERED", "LOG_LEVEL"]


def test_environment_list_form():
    worker = compose(SHOP)["worker"]
    # A list replaces the merged mapping entirely (the local key wins).
    assert worker.environment == (
        ("BROKER_URL", "amqp://guest:guest@rabbitmq:5672//"),
        ("DEBUG", "${DEBUG}"),  # no value: taken from compose's own environment
        ("EMPTY", ""),
    )


def test_environment_values_are_kept_as_written():
    services = compose(
        """
        services:
          app:
            image: app
            environment:
              PORT: 8000
              RATIO: 0.5
              ENABLED: "true"
              FROM_SHELL:
              URL: ${SCHEME:-http}://${HOST:?host required}:${PORT}
              NESTED: {not: a value}
        """
    )
    assert services["app"].environment == (
        ("PORT", "8000"),
        ("RATIO", "0.5"),
        ("ENABLED", "true"),
        ("FROM_SHELL", "${FROM_SHELL}"),
        ("URL", "${SCHEME:-http}://${HOST:?host required}:${PORT}"),
    )


def test_env_file_forms_resolve_against_the_compose_folder():
    services = compose(
        """
        services:
          a:
            image: a
            env_file: .env
          b:
            image: b
            env_file: [common.env, ../secrets/b.env]
          c:
            image: c
            env_file:
              - path: ./c.env
                required: false
              - ./more.env
              - path: /etc/absolute.env
        """,
        path="deploy/compose.yaml",
    )
    assert services["a"].env_files == ("deploy/.env",)
    assert services["b"].env_files == ("deploy/common.env", "secrets/b.env")
    assert services["c"].env_files == ("deploy/c.env", "deploy/more.env", "/etc/absolute.env")


def test_build_contexts_from_a_compose_file_in_a_subfolder():
    services = compose(
        """
        services:
          here:
            build: .
          sibling:
            build: ../orders
          root:
            build:
              context: ../..
          above_root:
            build: ../../../elsewhere
          absolute:
            build: /srv/app
          remote:
            build: https://github.com/example/app.git#main
          interpolated:
            build: ${APP_DIR:-./app}
          no_context:
            build:
              dockerfile: Dockerfile.dev
          inline:
            build:
              context: .
              dockerfile_inline: |
                FROM python:3.12
          inline2:
            build:
              context: .
              dockerfile_inline: |
                FROM python:3.11
        """,
        path="deploy/compose/docker-compose.yml",
    )
    got = {name: (w.build_context, w.dockerfile) for name, w in services.items()}
    assert got["here"] == ("deploy/compose", "Dockerfile")
    assert got["sibling"] == ("deploy/orders", "Dockerfile")
    assert got["root"] == (".", "Dockerfile")
    assert got["above_root"] == ("../../../elsewhere", "Dockerfile")  # kept as written
    assert got["absolute"] == ("/srv/app", "Dockerfile")
    assert got["remote"] == ("https://github.com/example/app.git#main", "Dockerfile")
    assert got["interpolated"] == ("${APP_DIR:-./app}", "Dockerfile")
    assert got["no_context"] == ("deploy/compose", "Dockerfile.dev")
    assert got["inline"][1].startswith("inline:")
    assert got["inline"][1] != got["inline2"][1]


def test_build_context_at_the_project_root():
    services = compose("services:\n  app:\n    build: .\n  api:\n    build: ./api/\n")
    assert services["app"].build_context == "."
    assert services["api"].build_context == "api"


def test_ports_short_and_long_syntax():
    services = compose(SHOP)
    assert services["web"].ports == ("8000:8000",)
    assert services["payments"].ports == ("8080", "19090:9090/udp", "127.0.0.1:7001:7000")


def test_depends_on_list_and_mapping():
    services = compose(SHOP)
    assert services["web"].depends_on == ("db", "cache")
    assert services["worker"].depends_on == ("db", "rabbitmq")


def test_healthchecks():
    services = compose(SHOP)
    assert services["web"].probes == (
        Probe(
            "healthcheck",
            "exec",
            "/health/ready",
            "8000",
            Location("docker-compose.yml", 31, 5, 31, 16),
        ),
    )
    payments = services["payments"].probes
    assert [(p.path, p.port) for p in payments] == [("/healthz", "8080")]
    db = services["db"].probes
    assert [(p.kind, p.type, p.path, p.port) for p in db] == [("healthcheck", "exec", "", "")]
    assert services["cache"].probes == ()  # disable: true
    assert services["rabbitmq"].probes == ()  # test: ["NONE"]
    assert services["worker"].probes == ()


@pytest.mark.parametrize(
    ("test", "path", "port"),
    [
        ('["CMD", "curl", "-f", "http://localhost:8000/healthz"]', "/healthz", "8000"),
        ('["CMD-SHELL", "curl -fsS http://localhost/ping || exit 1"]', "/ping", ""),
        ("curl --fail localhost:8080/status", "/status", "8080"),
        ("""["CMD", "curl", "-f", "-H", "X-Probe:1", "api:9000"]""", "/", "9000"),
        ('["CMD-SHELL", "curl -fsS -H \'X-Probe: 1\' -o /dev/null api:9000/x"]', "/x", "9000"),
        ("wget -qO- http://[::1]:8081/", "/", "8081"),
        ("/usr/bin/wget -q -O /dev/null http://localhost:${PORT}/live", "/live", "${PORT}"),
        (
            """python -c "import urllib.request as u; u.urlopen('http://localhost:5000/h')" """,
            "/h",
            "5000",
        ),
        ("http://localhost:8000", "/", "8000"),
        ("pg_isready -U postgres", "", ""),
        ("curl -f -o /dev/null", "", ""),
    ],
)
def test_healthcheck_http_targets(test: str, path: str, port: str):
    text = f"services:\n  app:\n    image: app\n    healthcheck:\n      test: {test}\n"
    (probe,) = compose(text)["app"].probes
    assert (probe.type, probe.path, probe.port) == ("exec", path, port)


def test_labels_and_hostnames():
    services = compose(SHOP)
    assert services["payments"].labels == (
        ("com.example.tier", "backend"),
        ("com.example.flag", ""),
    )
    assert services["web"].hostnames == ("web", "orders", "orders.internal")
    assert services["payments"].hostnames == ("payments", "shop-payments", "payments.local")


def test_merge_key_lists_earlier_mapping_wins_and_chains_resolve():
    services = compose(
        """
        x-a: &a
          image: from-a
          command: a
        x-b: &b
          image: from-b
          hostname: b-host
          container_name: b-name
        x-c: &c
          <<: *b
          command: c
          hostname: c-host
        services:
          one:
            <<: [*a, *b]
          two:
            <<: *c
          three:
            <<: *c
            hostname: local
        """
    )
    one, two, three = services["one"], services["two"], services["three"]
    assert (one.image, one.command, one.hostnames) == ("from-a", "a", ("one", "b-name", "b-host"))
    assert (two.image, two.command, two.hostnames) == ("from-b", "c", ("two", "b-name", "c-host"))
    assert three.hostnames == ("three", "b-name", "local")


def test_a_quoted_merge_key_is_an_ordinary_key():
    services = compose(
        """
        x-a: &a {image: a}
        services:
          app:
            "<<": *a
        """
    )
    assert services["app"].image == ""


def test_no_services_is_no_facts():
    for text in ("version: '3'\n", "services: {}\n", "services: [a, b]\n", "- a\n", "x\n"):
        yf = read_yaml(text, "docker-compose.yml")
        assert read_compose(yf.nodes, "docker-compose.yml") is None
    assert read_compose([], "docker-compose.yml") is None


def test_services_of_the_wrong_shape_still_name_a_workload():
    services = compose("services:\n  a:\n  b: 3\n  c: [x]\n  d: {image: d}\n")
    assert list(services) == ["a", "b", "c", "d"]
    assert services["d"].image == "d"
    assert services["a"].image == "" and services["a"].hostnames == ("a",)


# ---------------------------------------------------------------------------------------------
# Kubernetes

ORDERS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  labels: {app: orders}
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels:
        app: orders
        tier: backend
    spec:
      initContainers:
        - name: migrate
          image: orders:1.2
          command: [alembic, upgrade, head]
      containers:
        - name: orders
          image: registry.example.com/orders:1.2
          command: ["gunicorn"]
          args: ["orders.wsgi", "--bind", "0.0.0.0:8000"]
          ports:
            - containerPort: 8000
            - containerPort: 9102
              name: metrics
          env:
            - name: ENVIRONMENT
              value: production
            - name: WORKERS
              value: "4"
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: orders-db, key: password}
            - name: FEATURE_FLAGS
              valueFrom:
                configMapKeyRef: {name: orders-config, key: flags}
            - name: POD_NAME
              valueFrom:
                fieldRef: {fieldPath: metadata.name}
            - name: EMPTY
          envFrom:
            - configMapRef: {name: orders-config}
            - secretRef: {name: orders-secrets}
              prefix: SECRET_
          livenessProbe:
            httpGet: {path: /health/live, port: 8000}
          readinessProbe:
            httpGet: {port: http}
          startupProbe:
            tcpSocket: {port: 8000}
---
apiVersion: v1
kind: Service
metadata:
  name: orders
spec:
  selector: {app: orders}
  ports:
    - port: 80
      targetPort: 8000
    - port: 9102
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: orders-config
data:
  flags: "new-checkout,fast-refunds"
  PAYMENTS_URL: http://payments.shop.svc.cluster.local
  RETRIES: 3
binaryData:
  blob: AAEC
---
apiVersion: v1
kind: Secret
metadata:
  name: orders-db
type: Opaque
data:
  username: b3JkZXJz
  password: @PASSWORD@
  binary: @BINARY@
  broken: not*base64
  overridden: b2xk
stringData:
  overridden: new
  DSN: postgresql://orders@db/orders
"""


def orders() -> DeployFacts:
    password = base64.b64encode(b"s3cr3t-p4ss").decode()
    binary = base64.b64encode(bytes([0xFF, 0xFE, 0x00])).decode()  # not UTF-8
    return k8s(ORDERS.replace("@PASSWORD@", password).replace("@BINARY@", binary))


def test_deployment_container_is_a_workload():
    (orders_workload,) = orders().workloads  # the init container is skipped
    w = orders_workload
    assert (w.source, w.kind, w.name) == ("kubernetes", "Deployment", "orders")
    assert w.location == Location("deploy/k8s/app.yaml", 20, 11, 20, 15)  # the container's name key
    assert w.image == "registry.example.com/orders:1.2"
    assert w.command == "gunicorn orders.wsgi --bind 0.0.0.0:8000"
    assert w.ports == ("8000", "9102")
    assert w.labels == (("app", "orders"), ("tier", "backend"))  # the pod template's labels


def test_env_value_from_is_a_marker_and_env_from_names_sources():
    (w,) = orders().workloads
    assert w.environment == (
        ("ENVIRONMENT", "production"),
        ("WORKERS", "4"),
        ("DB_PASSWORD", "${secretKeyRef:orders-db/password}"),
        ("FEATURE_FLAGS", "${configMapKeyRef:orders-config/flags}"),
        ("POD_NAME", "${fieldRef:metadata.name}"),
        ("EMPTY", ""),
    )
    assert w.env_from == ("orders-config", "orders-secrets")


def test_probes_of_a_container():
    (w,) = orders().workloads
    path = "deploy/k8s/app.yaml"
    assert w.probes == (
        Probe("liveness", "http", "/health/live", "8000", Location(path, 47, 11, 47, 24)),
        Probe("readiness", "http", "/", "http", Location(path, 49, 11, 49, 25)),
        Probe("startup", "tcp", "", "8000", Location(path, 51, 11, 51, 23)),
    )


def test_exec_and_grpc_probes():
    (w,) = k8s(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: grpc-server
          labels: {app: grpc}
        spec:
          containers:
            - name: server
              image: server
              livenessProbe:
                exec: {command: [cat, /tmp/healthy]}
              readinessProbe:
                grpc: {port: 50051}
              startupProbe:
                initialDelaySeconds: 5
        """
    ).workloads
    assert (w.kind, w.name, w.labels) == ("Pod", "grpc-server", (("app", "grpc"),))
    assert [(p.kind, p.type, p.port) for p in w.probes] == [
        ("liveness", "exec", ""),
        ("readiness", "grpc", "50051"),
    ]  # a probe without a handler is not a probe


def test_service_configmap_and_secret():
    f = orders()
    (svc,) = f.network_services
    assert (svc.name, svc.selector, svc.ports) == (
        "orders",
        (("app", "orders"),),
        ("80:8000", "9102"),
    )
    assert svc.location == Location("deploy/k8s/app.yaml", 57, 3, 57, 7)
    config, secret = f.config_values
    assert (config.name, config.kind) == ("orders-config", "configmap")
    assert config.values == (
        ("flags", "new-checkout,fast-refunds"),
        ("PAYMENTS_URL", "http://payments.shop.svc.cluster.local"),
        ("RETRIES", "3"),
    )
    assert (secret.name, secret.kind) == ("orders-db", "secret")
    assert secret.values == (
        ("username", "orders"),
        ("password", "s3cr3t-p4ss"),
        ("overridden", "new"),  # stringData wins over data
        ("DSN", "postgresql://orders@db/orders"),
    )  # not UTF-8 and not base64: skipped


def test_cronjob_template():
    (w,) = k8s(
        """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly-report}
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                metadata:
                  labels: {job: report}
                spec:
                  restartPolicy: OnFailure
                  containers:
                    - image: reports:2
                      command: [python, -m, reports.nightly]
        """
    ).workloads
    assert (w.kind, w.name, w.image, w.command) == (
        "CronJob",
        "nightly-report",
        "reports:2",
        "python -m reports.nightly",
    )
    assert w.labels == (("job", "report"),)
    # No container name key: the location is the object's metadata.name.
    assert w.location.line == 4


@pytest.mark.parametrize("kind", ["StatefulSet", "DaemonSet", "ReplicaSet", "Job"])
def test_other_workload_kinds(kind: str):
    (w,) = k8s(
        f"""
        apiVersion: apps/v1
        kind: {kind}
        metadata: {{name: thing}}
        spec:
          template:
            spec:
              containers:
                - name: main
                  image: thing:1
        """
    ).workloads
    assert (w.kind, w.name, w.image) == (kind, "thing", "thing:1")


def test_multi_container_pod_names_each_container():
    workloads = k8s(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - name: app
                  image: api:1
                  ports: [{containerPort: 8000}]
                - name: envoy
                  image: envoyproxy/envoy:v1.29
                  ports: [{containerPort: 9901}]
                - image: unnamed:1
        """
    ).workloads
    assert [w.name for w in workloads] == ["api/app", "api/envoy", "api/2"]
    assert [w.ports for w in workloads] == [("8000",), ("9901",), ()]
    assert all(w.labels == (("app", "api"),) for w in workloads)


def test_list_kind_items():
    f = k8s(
        """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: a}
            spec: {template: {spec: {containers: [{name: a, image: a}]}}}
          - apiVersion: v1
            kind: Service
            metadata: {name: a}
            spec: {selector: {app: a}, ports: [{port: 80}]}
          - apiVersion: v1
            kind: List
            items:
              - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {K: v}}
          - not a mapping
        """
    )
    assert [w.name for w in f.workloads] == ["a"]
    assert [s.name for s in f.network_services] == ["a"]
    assert [(c.name, c.values) for c in f.config_values] == [("c", (("K", "v"),))]


def test_objects_that_are_not_workloads_are_ignored():
    for text in (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\nspec: {}\n",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\n",
    ):
        yf = read_yaml(text, "k.yaml")
        assert read_kubernetes(yf.nodes, "k.yaml") is None


def test_object_without_a_name_is_located_at_its_kind():
    f = k8s("apiVersion: v1\nkind: ConfigMap\ndata: {A: b}\n")
    (config,) = f.config_values
    assert (config.name, config.location.line, config.location.column) == ("", 2, 1)


# ---------------------------------------------------------------------------------------------
# .env


def test_dotenv_values():
    text = "# local\nDB_URL=postgres://db/app\nDEBUG='1'\n"
    values, problem = read_dotenv(text, "services/api/.env")
    assert problem is None
    f = read_dotenv_values(values, "services/api/.env")
    assert f is not None
    (config,) = f.config_values
    assert config.name == "services/api/.env" and config.kind == "dotenv"
    assert config.values == (("DB_URL", "postgres://db/app"), ("DEBUG", "1"))
    assert config.location == Location("services/api/.env", 1)
    assert read_dotenv_values([], ".env") is None


# ---------------------------------------------------------------------------------------------
# Through read_facts, and through the cache's JSON round trip


def test_read_facts_fills_deploy_and_it_round_trips_through_json():
    cases = [
        ("docker-compose.yml", "yaml", FileKind.COMPOSE, SHOP),
        ("deploy/k8s/orders.yaml", "yaml", FileKind.CONFIG, ORDERS.split("---\n")[1]),
        (".env", "dotenv", FileKind.DOTENV, "A=1\n"),
    ]
    for path, fmt, kind, text in cases:
        src = SourceFile(path, "/nonexistent/" + path, fmt, kind)
        got = read_facts(src, text, "0" * 64)
        assert got.deploy is not None, path
        assert msgspec.json.decode(msgspec.json.encode(got), type=FileFacts) == got


# ---------------------------------------------------------------------------------------------
# interpolate


@pytest.mark.parametrize(
    ("value", "expected", "missing"),
    [
        ("plain", "plain", []),
        ("${HOST}", "db", []),
        ("$HOST:$PORT", "db:5432", []),
        ("${UNSET}", "", ["UNSET"]),
        ("$UNSET/x", "/x", ["UNSET"]),
        ("${UNSET:-fallback}", "fallback", []),
        ("${EMPTY:-fallback}", "fallback", []),
        ("${EMPTY-fallback}", "", []),
        ("${UNSET-fallback}", "fallback", []),
        ("${HOST:-fallback}", "db", []),
        ("${UNSET:?must be set}", "", ["UNSET"]),
        ("${EMPTY:?must be set}", "", ["EMPTY"]),
        ("${EMPTY?must be set}", "", []),
        ("${HOST:?must be set}", "db", []),
        ("${HOST:+alt}", "alt", []),
        ("${EMPTY:+alt}", "", []),
        ("${EMPTY+alt}", "alt", []),
        ("${UNSET+alt}", "", []),
        ("$$HOST and $${HOST}", "$HOST and ${HOST}", []),
        ("${UNSET:-${HOST}}", "db", []),
        ("${A:-${B:-${C:-deep}}}", "deep", []),
        ("${A:-${B}}", "", ["B"]),
        ("${A:-x}${A}${A}", "x", ["A"]),
        ("pg://${USER:-app}:${PASS}@${HOST}:${PORT:-1}/db", "pg://app:@db:5432/db", ["PASS"]),
        ("${HOST:-{json}}", "db}", []),  # a default ends at the first `}`, as in compose
        ("price: 5$", "price: 5$", []),
        ("$1 and $ alone", "$1 and $ alone", []),
        ("${", "${", []),
        ("${HOST", "${HOST", []),
        ("${}", "${}", []),
        ("${1X}", "${1X}", []),
        ("${secretKeyRef:orders-db/password}", "${secretKeyRef:orders-db/password}", []),
        ("a}b", "a}b", []),
    ],
)
def test_interpolate(value: str, expected: str, missing: list[str]):
    env = {"HOST": "db", "PORT": "5432", "EMPTY": ""}
    assert interpolate(value, env) == (expected, missing)


def test_interpolate_deep_nesting_is_bounded():
    deep = "${A:-" * 5000 + "x" + "}" * 5000
    t0 = time.perf_counter()
    result, missing = interpolate(deep, {})
    assert time.perf_counter() - t0 < 1.0
    assert missing == [] and "x" in result  # kept as written below the depth limit
    unclosed = "${A:-" * 50_000
    assert interpolate(unclosed, {}) == (unclosed, [])
    many = "${A}" * 50_000
    assert interpolate(many, {"A": "."}) == ("." * 50_000, [])


# ---------------------------------------------------------------------------------------------
# Robustness: odd shapes are normal input


ODD_VALUES = [
    "null",
    "''",
    "3",
    "true",
    "[1, [2, [3]], {a: b}]",
    "{a: {b: {c: d}}}",
    "[]",
    "{}",
    "!!binary aGVsbG8=",
    "!custom {x: 1}",
    "*odd",
    "[*odd, *odd]",
    "{<<: *odd}",
    "{<<: [1, null, *odd]}",
]

COMPOSE_KEYS = [
    "build", "context", "dockerfile", "dockerfile_inline", "image", "command", "entrypoint",
    "environment", "env_file", "path", "ports", "target", "published", "depends_on",
    "healthcheck", "test", "disable", "labels", "networks", "aliases", "container_name",
    "hostname", "services", "web",
]  # fmt: skip

K8S_KEYS = [
    "kind", "metadata", "name", "spec", "template", "jobTemplate", "containers", "image",
    "command", "args", "env", "value", "valueFrom", "secretKeyRef", "key", "envFrom",
    "configMapRef", "ports", "containerPort", "livenessProbe", "httpGet", "path", "port",
    "tcpSocket", "labels", "selector", "data", "stringData", "items",
]  # fmt: skip

COMPOSE_TEMPLATE = """\
x-odd: &odd {a: [b]}
services:
  web:
    build:
      context: ./web
      dockerfile: Dockerfile
      dockerfile_inline: FROM x
    image: web
    command:
      - a
    entrypoint: sh
    environment:
      A: b
    env_file:
      - path: .env
    ports:
      - target: 80
        published: 8080
    depends_on:
      db:
        condition: service_started
    healthcheck:
      test:
        - CMD
        - curl http://x:1/h
      disable: false
    labels:
      - a=b
    networks:
      n:
        aliases:
          - x
    container_name: web
    hostname: web
"""

K8S_TEMPLATE = """\
x-odd: &odd {a: [b]}
kind: Deployment
metadata:
  name: app
  labels:
    a: b
spec:
  selector:
    app: x
  template:
    spec:
      containers:
        - name: app
          image: app
          command:
            - a
          args:
            - b
          env:
            - name: A
              value: b
            - name: B
              valueFrom:
                secretKeyRef:
                  name: s
                  key: k
          envFrom:
            - configMapRef:
                name: c
          ports:
            - containerPort: 80
          livenessProbe:
            httpGet:
              path: /h
              port: 80
          readinessProbe:
            tcpSocket:
              port: 80
---
x-odd: &odd {a: [b]}
kind: Service
metadata:
  name: s
spec:
  selector:
    a: b
  ports:
    - port: 80
---
x-odd: &odd {a: [b]}
kind: Secret
metadata:
  name: s
data:
  a: YQ==
stringData:
  b: c
---
x-odd: &odd {a: [b]}
kind: List
items:
  - kind: CronJob
    spec:
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: c
"""


def _replace_value(text: str, key: str, odd: str) -> str:
    """Every block `key:` in `text` with `odd` as its value instead of what it had."""
    out: list[str] = []
    cut: int | None = None  # drop the replaced value's lines, indented deeper than this
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if cut is not None and (not line.strip() or indent > cut):
            continue
        cut = None
        body_at = indent + 2 if line[indent:].startswith("- ") else indent
        if line[body_at:].startswith(f"{key}:"):
            out.append(f"{line[:body_at]}{key}: {odd}")
            cut = body_at
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("reader", [read_compose, read_kubernetes])
def test_wrong_types_everywhere_never_raise(reader: Reader):
    template, keys = (
        (COMPOSE_TEMPLATE, COMPOSE_KEYS) if reader is read_compose else (K8S_TEMPLATE, K8S_KEYS)
    )
    yf = read_yaml(template, "t.yaml")
    assert yf.problem is None and reader(yf.nodes, "t.yaml") is not None
    for key in keys:
        for odd in ODD_VALUES:
            text = _replace_value(template, key, odd)
            assert text != template, key
            yf = read_yaml(text, "t.yaml")
            assert yf.problem is None, (key, odd, text)
            reader(yf.nodes, "t.yaml")  # any result, but no exception


_WORDS = [
    "services", "web", "build", "environment", "kind", "Deployment", "CronJob", "spec",
    "template", "jobTemplate", "containers", "env", "name", "value", "valueFrom", "ports",
    "<<", "items", "List", "Secret", "data", "healthcheck", "test", "metadata", "httpGet",
    "networks", "aliases", "x=y", "1", "",
]  # fmt: skip


def _random_node(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth > 5 or roll < 0.35:
        return rng.choice(["null", "1", "true", "'${A:-b}'", "*a", *(repr(w) for w in _WORDS)])
    if roll < 0.6:
        items = (_random_node(rng, depth + 1) for _ in range(rng.randint(0, 4)))
        return "[" + ", ".join(items) + "]"
    return _random_mapping(rng, depth, rng.randint(0, 5))


def _random_mapping(rng: random.Random, depth: int, size: int) -> str:
    pairs = [f"{rng.choice(_WORDS)!r}: {_random_node(rng, depth + 1)}" for _ in range(size)]
    return "{" + ", ".join(pairs).replace("'<<':", "<<:") + "}"


def test_random_documents_never_raise():
    rng = random.Random(20240611)
    parsed = 0
    for _ in range(300):
        docs = [
            f"{{x: &a {_random_node(rng, 1)}, {_random_mapping(rng, 0, rng.randint(1, 6))[1:]}"
            for _ in range(rng.randint(1, 3))
        ]
        yf = read_yaml("\n---\n".join(docs), "r.yaml")
        if yf.problem is None:
            parsed += 1
            read_compose(yf.nodes, "r.yaml")
            read_kubernetes(yf.nodes, "r.yaml")
    assert parsed > 240


def test_merge_cycle_and_deep_merge_chain():
    services = compose(
        """
        x-loop: &loop
          image: loop
          <<: *loop
        services:
          a:
            <<: *loop
        """
    )
    assert services["a"].image == "loop"
    chain = ["x-0: &m0 {image: deep}"]
    chain += [f"x-{i}: &m{i} {{<<: *m{i - 1}}}" for i in range(1, 300)]
    chain += ["services:", "  top: {<<: *m299}", "  near: {<<: *m3}"]
    services = compose("\n".join(chain) + "\n")
    assert services["near"].image == "deep"
    assert services["top"].image == ""  # beyond the merge depth limit: read partially


BILLION_LAUGHS = """\
x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
x-1: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]
x-2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]
x-3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]
x-4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]
x-5: &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]
x-6: &l6 [*l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5]
x-7: &l7 [*l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6]
x-8: &l8 [*l7, *l7, *l7, *l7, *l7, *l7, *l7, *l7, *l7, *l7]
m-0: &m0 {a: *l8, b: *l8, c: *l8, d: *l8, e: *l8, f: *l8, g: *l8, h: *l8, i: *l8, j: *l8}
m-1: &m1 {<<: [*m0, *m0, *m0, *m0, *m0, *m0, *m0, *m0, *m0, *m0], k: *l8}
m-2: &m2 {<<: [*m1, *m1, *m1, *m1, *m1, *m1, *m1, *m1, *m1, *m1], l: *l8}
m-3: &m3 {<<: [*m2, *m2, *m2, *m2, *m2, *m2, *m2, *m2, *m2, *m2], m: *l8}
"""


def test_alias_bomb_costs_its_text_size():
    text = BILLION_LAUGHS + textwrap.dedent(
        """
        services:
          web:
            <<: *m3
            command: *l8
            entrypoint: *l8
            environment: *l8
            env_file: *l8
            ports: *l8
            labels: *l8
            depends_on: *l8
            healthcheck: {test: *l8}
            networks: {a: {aliases: *l8}}
          other: *m3
        """
    )
    yf = read_yaml(text, "docker-compose.yml")
    assert yf.problem is None
    t0 = time.perf_counter()
    result = read_compose(yf.nodes, "docker-compose.yml")
    assert time.perf_counter() - t0 < 1.0
    assert result is not None and [w.name for w in result.workloads] == ["web", "other"]
    k8s_text = (
        BILLION_LAUGHS
        + "kind: Deployment\nmetadata: {name: *l8, labels: *m3}\n"
        + "spec: {template: {spec: {containers: *l8}}}\n"
        + "---\n"
        + BILLION_LAUGHS
        + "kind: List\nitems: *l8\n"
    )
    yf = read_yaml(k8s_text, "k.yaml")
    assert yf.problem is None
    t0 = time.perf_counter()
    read_kubernetes(yf.nodes, "k.yaml")
    assert time.perf_counter() - t0 < 1.0


def test_one_anchor_reused_everywhere_stops_at_the_budget():
    # 3,000 services sharing a 3,000-variable environment would be 9 million pairs of output
    # from 100 KB of YAML: the reader stops at its budget and keeps what it read.
    big = "\n".join(f"  V{i}: x" for i in range(3000))
    services = "\n".join(f"  s{i}: {{environment: *env, <<: *env}}" for i in range(3000))
    text = f"x-env: &env\n{big}\nservices:\n{services}\n"
    yf = read_yaml(text, "docker-compose.yml")
    t0 = time.perf_counter()
    result = read_compose(yf.nodes, "docker-compose.yml")
    assert time.perf_counter() - t0 < 2.0
    assert result is not None
    assert 0 < len(result.workloads) < 3000
    assert len(result.workloads[0].environment) == 3000


# ---------------------------------------------------------------------------------------------
# Size


def test_a_thousand_kubernetes_documents_read_fast():
    doc = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: app-{i}}}
        spec:
          template:
            metadata: {{labels: {{app: app-{i}}}}}
            spec:
              containers:
                - name: app
                  image: app:{i}
                  env: [{{name: A, value: "1"}}, {{name: B, valueFrom: {{secretKeyRef: {{name: s, key: k}}}}}}]
                  ports: [{{containerPort: 8000}}]
                  readinessProbe: {{httpGet: {{path: /ready, port: 8000}}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {{name: app-{i}}}
        spec: {{selector: {{app: app-{i}}}, ports: [{{port: 80, targetPort: 8000}}]}}
        """
    )
    text = "---\n".join(doc.format(i=i) for i in range(500))
    yf = read_yaml(text, "k.yaml")
    assert yf.documents == 1000
    t0 = time.perf_counter()
    result = read_kubernetes(yf.nodes, "k.yaml")
    elapsed = time.perf_counter() - t0
    assert result is not None
    assert len(result.workloads) == 500 and len(result.network_services) == 500
    assert result.workloads[-1].name == "app-499"
    assert elapsed < 0.5, elapsed


def test_five_hundred_compose_services_read_fast():
    head = "x-common: &common\n  restart: always\n  env_file: .env\nservices:\n"
    service = (
        "  svc{i}:\n    <<: *common\n    build: ./svc{i}\n    command: python -m svc{i}\n"
        "    environment: {{URL: 'http://svc{i}:8000', B: '${{B:-x}}'}}\n"
        "    ports: ['{port}:8000']\n    depends_on: [db]\n"
        "    healthcheck: {{test: [CMD, curl, -f, 'http://localhost:8000/health']}}\n"
    )
    text = head + "".join(service.format(i=i, port=8000 + i) for i in range(500))
    yf = read_yaml(text, "docker-compose.yml")
    t0 = time.perf_counter()
    result = read_compose(yf.nodes, "docker-compose.yml")
    elapsed = time.perf_counter() - t0
    assert result is not None and len(result.workloads) == 500
    assert result.workloads[-1].env_files == (".env",)
    assert elapsed < 0.5, elapsed
