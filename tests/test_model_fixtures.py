"""The system model of the realistic multi-service fixtures (see tests/fixtures/*.model.md for
the model a perfect reader extracts), asserted through `archlint graph --format json`."""

from __future__ import annotations

import functools
from typing import Any

from conftest import FIXTURES, archlint


@functools.cache
def model(name: str) -> dict[str, Any]:
    run = archlint("graph", FIXTURES / name, "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    return run.json()  # type: ignore[no-any-return]


def services(name: str) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in model(name)["services"]}


def processes(name: str) -> dict[str, list[str]]:
    return {n: sorted({p["name"] for p in s["processes"]}) for n, s in services(name).items()}


def endpoint(name: str, service: str, method: str, path: str) -> dict[str, Any]:
    found = [e for e in services(name)[service]["endpoints"] if (e["method"], e["path"]) == (method, path)]
    assert found, f"{method} {path} not in {service}"
    return found[0]


def edges(name: str) -> set[tuple[str, str, str | None]]:
    return {(c["from"], c["to"] or c["external"] or "?", c["endpoint"]) for c in model(name)["calls"]}


def databases(name: str) -> dict[str, list[str]]:
    return {d["id"]: d["services"] for d in model(name)["databases"]}


def tables(name: str) -> dict[str, tuple[list[str], list[str]]]:
    return {t["name"]: (t["owners"], t["users"]) for t in model(name)["tables"]}


def topics(name: str) -> set[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    return {
        (t["broker"], t["name"], tuple(t["producers"]), tuple(t["consumers"]))
        for t in model(name)["topics"]
    }


# -- fastapi-market: FastAPI + httpx + compose + Alembic ------------------------------------------


def test_fastapi_market_services_and_processes() -> None:
    assert processes("fastapi-market") == {
        "catalog": ["catalog"],
        "gateway": ["gateway"],
        "orders": ["orders", "orders-worker"],  # same build, another command: one service
        "payments": ["payments"],
        "shipping-worker": ["shipping-worker"],
    }
    assert services("fastapi-market")["shipping-worker"]["kind"] == "worker"


def test_fastapi_market_endpoints_join_include_router_prefixes() -> None:
    ep = endpoint("fastapi-market", "orders", "GET", "/api/v1/orders/{order_id}")
    assert ep["file"] == "services/orders/app/api/routes/orders.py"
    listing = endpoint("fastapi-market", "orders", "GET", "/api/v1/orders")
    assert listing["returns_list"] is True
    assert "/health" not in {e["path"] for e in services("fastapi-market")["payments"]["endpoints"]}


def test_fastapi_market_call_chain_resolves_through_settings_and_clients() -> None:
    e = edges("fastapi-market")
    assert ("gateway", "orders", "POST /api/v1/orders") in e
    assert ("orders", "payments", "POST /charges") in e
    assert ("orders", "catalog", "GET /api/v1/products/{product_id}") in e
    assert ("payments", "api.stripe.com", None) in e  # external, not a hop
    charge = next(c for c in model("fastapi-market")["calls"] if c["endpoint"] == "POST /charges")
    assert charge["reached_from"] == ["POST /api/v1/orders"]  # through PaymentsClient.charge


def test_fastapi_market_databases_and_tables() -> None:
    dbs = databases("fastapi-market")
    # One server, two databases: not shared. The worker writing into orders' database: shared.
    assert dbs["postgresql://db:5432/catalog"] == ["catalog"]
    assert dbs["postgresql://db:5432/orders"] == ["orders", "shipping-worker"]
    owners, users = tables("fastapi-market")["orders"]
    assert owners == ["orders"] and "shipping-worker" in users
    assert ("kafka", "order-events", ("orders",), ("shipping-worker",)) in topics("fastapi-market")


# -- flask-clinic: Flask + requests + Kubernetes + Flyway -------------------------------------------


def test_flask_clinic_services_from_kubernetes() -> None:
    procs = processes("flask-clinic")
    assert set(procs) == {"appointments", "notifications", "patients"}
    assert "reports-cron" in procs["patients"]  # a CronJob from the patients image


def test_flask_clinic_blueprint_prefixes_and_calls() -> None:
    assert endpoint("flask-clinic", "patients", "GET", "/api/patients")["returns_list"] is True
    endpoint("flask-clinic", "patients", "PUT", "/api/patients/{id}")
    e = edges("flask-clinic")
    assert ("appointments", "patients", "GET /api/patients/{id}") in e
    assert ("appointments", "notifications", "POST /v1/email") in e
    assert ("patients", "notifications", "POST /v1/email") in e  # name.ns.svc.cluster.local


def test_flask_clinic_shared_database_and_tables() -> None:
    dbs = databases("flask-clinic")
    assert dbs["postgresql://pg.db.svc:5432/patients"] == ["appointments", "patients"]
    assert dbs["postgresql://pg.db.svc:5432/appointments"] == ["appointments"]
    owners, users = tables("flask-clinic")["patients"]
    assert owners == ["patients"] and "appointments" in users  # Flyway V1 creates it
    assert ("rabbitmq", "sms-outbox", ("appointments",), ("notifications",)) in topics("flask-clinic")


# -- django-library: Django/DRF + Celery + compose ----------------------------------------------------


def test_django_library_one_service_three_processes() -> None:
    procs = processes("django-library")
    assert procs["core"] == ["beat", "web", "worker"]
    assert services("django-library")["notifier"]["kind"] == "worker"


def test_django_library_routes_through_include_and_router() -> None:
    assert endpoint("django-library", "core", "GET", "/api/v1/books/")["returns_list"] is True
    assert endpoint("django-library", "core", "GET", "/api/v1/books/{pk}/")["returns_list"] is False
    endpoint("django-library", "core", "DELETE", "/api/v1/books/{pk}/")
    endpoint("django-library", "core", "GET", "/health/")


def test_django_library_calls_tasks_and_shared_database() -> None:
    assert ("recommendations", "core", "GET /api/v1/books/") in edges("django-library")
    assert ("celery", "notifier.send_email", ("core",), ("notifier",)) in topics("django-library")
    assert ("celery", "loans.tasks.send_overdue_reminders", ("core",), ("core",)) in topics(
        "django-library"
    )
    # The sqlite test settings are not a database user; the raw-SQL reader is.
    assert databases("django-library") == {
        "postgresql://postgres:5432/library": ["core", "recommendations"]
    }
    owners, users = tables("django-library")["books"]
    assert owners == ["core"] and "recommendations" in users


# -- aiohttp-fleet: aiohttp + gRPC + spec-first connexion + k8s -------------------------------------


def test_aiohttp_fleet_services_on_a_shared_build_context() -> None:
    svcs = services("aiohttp-fleet")
    assert set(svcs) == {"dispatch", "routing", "telemetry-ingest", "tracker"}
    assert svcs["tracker"]["roots"] == ["tracker"] and svcs["routing"]["roots"] == ["routing"]
    assert svcs["routing"]["kind"] == "grpc"
    assert svcs["telemetry-ingest"]["kind"] == "worker"


def test_aiohttp_fleet_calls_grpc_and_spec_endpoints() -> None:
    e = edges("aiohttp-fleet")
    assert ("tracker", "dispatch", "GET /api/v2/jobs/{job_id}") in e
    assert ("dispatch", "tracker", "GET /vehicles/{vid}") in e  # a cycle, for ARC202
    grpc = {(c["method"], c["timeout"]) for c in model("aiohttp-fleet")["calls"] if c["kind"] == "grpc"}
    assert grpc == {("PlanRoute", "given"), ("GetEta", "missing")}
    assert endpoint("aiohttp-fleet", "dispatch", "GET", "/api/v2/jobs")["source"] == "spec"


def test_aiohttp_fleet_shared_database_and_topics() -> None:
    assert databases("aiohttp-fleet")["postgresql://fleetdb:5432/fleet"] == ["dispatch", "tracker"]
    assert ("kafka", "vehicle-positions", ("tracker",), ("telemetry-ingest",)) in topics(
        "aiohttp-fleet"
    )
    assert ("redis", "job-updates", ("dispatch",), ("tracker",)) in topics("aiohttp-fleet")
