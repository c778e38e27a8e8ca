"""The architecture rules (ARC1xx–ARC4xx) on small projects that each show one pattern and its
look-alikes, asserted through `archlint check --format json` as a user or CI would read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import archlint, write_tree


def check(root: Path, select: str, *extra: str) -> list[dict[str, Any]]:
    run = archlint("check", root, "--format", "json", "--no-cache", "--select", select, *extra)
    assert run.code in (0, 1), run.err
    return run.json()["findings"]  # type: ignore[no-any-return]


def sites(findings: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    return {(f["code"], f["path"], f["line"]) for f in findings}


def _service(name: str, body: str) -> dict[str, str]:
    return {f"{name}/Dockerfile": "FROM python:3.12\n", f"{name}/app.py": body}


def _compose(*names: str, extra: str = "") -> str:
    entries = "".join(f"  {n}:\n    build: ./{n}\n" for n in names)
    return f"services:\n{entries}{extra}"


CHAIN = {
    "docker-compose.yml": _compose("gateway", "orders", "payments", "ledger", "audit", "worker"),
    **_service(
        "gateway",
        """
        import requests
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/checkout")
        def checkout():
            return requests.post("http://orders:8000/orders", timeout=3).json()

        @app.get("/health")
        def health():
            return {}
        """,
    ),
    **_service(
        "orders",
        """
        import requests
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/orders")
        def create_order():
            requests.post("http://payments:8000/charges", timeout=3)
            return {}
        """,
    ),
    **_service(
        "payments",
        """
        import requests
        from fastapi import FastAPI
        from kafka import KafkaProducer
        app = FastAPI()
        producer = KafkaProducer(bootstrap_servers="kafka:9092")

        @app.post("/charges")
        def charge():
            requests.post("http://ledger:8000/entries", timeout=3)
            producer.send("charges", b"{}")
            return {}
        """,
    ),
    **_service(
        "ledger",
        """
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/entries")
        def add_entry():
            return {}
        """,
    ),
    **_service(
        "audit",
        """
        from kafka import KafkaConsumer
        import requests
        for message in KafkaConsumer("charges", bootstrap_servers="kafka:9092"):
            requests.post("http://ledger:8000/entries", timeout=3)
        """,
    ),
    **_service(
        "worker",
        """
        import requests
        def main():
            requests.post("http://gateway:8000/checkout", timeout=3)
        if __name__ == "__main__":
            main()
        """,
    ),
}


def test_a_chain_of_three_hops_is_reported_once_at_its_first_call_with_the_path(project):
    write_tree(project, CHAIN)
    found = check(project, "ARC201")
    assert sites(found) == {("ARC201", "gateway/app.py", 7)}
    (f,) = found
    assert "gateway → orders → payments → ledger" in f["message"]
    # The SARIF codeFlow / JSON flow walks handler → call → handler → … in order.
    steps = [(s["path"], s["message"]) for s in f["flow"]]
    assert steps[0] == ("gateway/app.py", "gateway serves POST /checkout")
    assert [p for p, _ in steps] == [
        "gateway/app.py",
        "gateway/app.py",
        "orders/app.py",
        "orders/app.py",
        "payments/app.py",
        "payments/app.py",
        "ledger/app.py",
    ]


def test_two_hops_pass_and_max_hops_is_an_option(project):
    write_tree(
        project,
        {**CHAIN, "archlint.toml": "[rules.ARC201]\nmax-hops = 3\n"},
    )
    assert check(project, "ARC201") == []
    write_tree(project, {"archlint.toml": "[rules.ARC201]\nmax-hops = 1\n"})
    # With one hop allowed, orders → payments → ledger (2) is reported too.
    assert sites(check(project, "ARC201")) == {
        ("ARC201", "gateway/app.py", 7),
        ("ARC201", "orders/app.py", 7),
    }


def test_calls_through_a_client_object_imported_from_another_module_are_followed(project):
    # gateway's handler calls `orders_client.create(...)`, an object built in clients.py.
    write_tree(
        project,
        {
            **{k: v for k, v in CHAIN.items() if not k.startswith("gateway/")},
            "gateway/Dockerfile": "FROM python:3.12\n",
            "gateway/app/__init__.py": "",
            "gateway/app/clients.py": """
                import requests

                class OrdersClient:
                    def __init__(self, base_url):
                        self.base_url = base_url

                    def create(self, body):
                        return requests.post("http://orders:8000/orders", json=body, timeout=3)

                orders_client = OrdersClient("http://orders:8000")
                """,
            "gateway/app/main.py": """
                from fastapi import FastAPI
                from .clients import orders_client
                app = FastAPI()

                @app.post("/checkout")
                def checkout():
                    return orders_client.create({}).json()
                """,
        },
    )
    assert sites(check(project, "ARC201")) == {("ARC201", "gateway/app/clients.py", 8)}


def test_cycles_are_reported_once_each(project):
    write_tree(
        project,
        {
            "docker-compose.yml": _compose("a", "b", "c"),
            **_service(
                "a",
                """
                import httpx
                from fastapi import FastAPI
                app = FastAPI()
                @app.get("/x")
                def x():
                    return httpx.get("http://b:8000/y").json()
                """,
            ),
            **_service(
                "b",
                """
                import httpx
                from fastapi import FastAPI
                app = FastAPI()
                @app.get("/y")
                def y():
                    httpx.get("http://c:8000/z")
                    return httpx.get("http://a:8000/x").json()
                """,
            ),
            **_service(
                "c",
                """
                import httpx
                from fastapi import FastAPI
                app = FastAPI()
                @app.get("/z")
                def z():
                    return httpx.get("http://a:8000/x").json()
                """,
            ),
        },
    )
    found = check(project, "ARC202")
    messages = sorted(f["message"].split(" call each other")[0] for f in found)
    assert messages == ["services a → b → a", "services a → b → c → a"]
    assert {(f["path"], f["line"]) for f in found} == {("a/app.py", 6)}


SHARED = {
    "docker-compose.yml": _compose("orders", "reports", "billing", "orders-worker").replace(
        "  orders-worker:\n    build: ./orders-worker\n",
        "  orders-worker:\n    build: ./orders\n    command: python -m worker\n",
    ),
    "orders/Dockerfile": "FROM python:3.12\n",
    "orders/app.py": """
        from fastapi import FastAPI
        from sqlalchemy import create_engine
        app = FastAPI()
        engine = create_engine("postgresql://app:app@db:5432/orders")
        """,
    "orders/worker.py": """
        from sqlalchemy import create_engine
        engine = create_engine("postgresql://app:app@db:5432/orders")
        """,
    "orders/migrations/V1__orders.sql": "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    "reports/Dockerfile": "FROM python:3.12\n",
    "reports/app.py": """
        import psycopg
        from fastapi import FastAPI
        app = FastAPI()
        conn = psycopg.connect("postgresql://ro:ro@db:5432/orders")

        @app.get("/totals")
        def totals():
            return conn.execute("SELECT sum(total) FROM orders").fetchone()
        """,
    "billing/Dockerfile": "FROM python:3.12\n",
    "billing/app.py": """
        from fastapi import FastAPI
        from sqlalchemy import create_engine
        app = FastAPI()
        # Same server, its own database: fine.
        engine = create_engine("postgresql://app:app@db:5432/billing")
        """,
    "billing/migrations/V1__invoices.sql": (
        "CREATE TABLE invoices (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint);\n"
    ),
}


def test_shared_database_is_reported_once_at_the_intruder(project):
    write_tree(project, SHARED)
    found = check(project, "ARC101")
    assert sites(found) == {
        ("ARC101", "reports/app.py", 4),  # reports connects to orders' database
        ("ARC101", "reports/app.py", 8),  # and reads its table
    }
    shared = next(f for f in found if f["line"] == 4)
    assert "postgresql db:5432/orders" in shared["message"]
    assert "orders and reports" in shared["message"]
    assert {r["path"] for r in shared["related"]} == {"orders/app.py", "orders/worker.py"}


def test_a_database_shared_on_purpose_is_not_reported(project):
    write_tree(project, {**SHARED, "archlint.toml": '[rules.ARC101]\nallow = ["db/orders"]\n'})
    assert check(project, "ARC101") == []


def test_timeouts(project):
    write_tree(
        project,
        {
            "svc/app.py": """
                import aiohttp
                import httpx
                import requests
                import urllib.request
                from requests.adapters import HTTPAdapter

                OPTS = {"timeout": 5}
                session = requests.Session()
                session.mount("https://", HTTPAdapter(max_retries=3))

                def sync_calls(url):
                    requests.get(url)
                    requests.get(
                        url,
                        timeout=(3.05, 27),
                    )
                    requests.post(url, **OPTS)
                    session.get(url)
                    urllib.request.urlopen(url)
                    urllib.request.urlopen(url, timeout=3)
                    httpx.get(url)
                    requests.get(url, timeout=None)

                client = httpx.Client(timeout=None)

                def through_client():
                    client.get("/a")
                    client.post("/b")

                async def through_session(session: aiohttp.ClientSession, url):
                    async with session.get(url) as resp:
                        return await resp.json()

                async def main(url):
                    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
                        await s.get(url)
                    async with aiohttp.ClientSession() as s:
                        await through_session(s, url)
            """,
        },
    )
    assert sites(check(project, "ARC203")) == {
        ("ARC203", "svc/app.py", 12),  # requests without timeout
        ("ARC203", "svc/app.py", 18),  # a Session with retries but no timeout
        ("ARC203", "svc/app.py", 19),  # urlopen without timeout
        ("ARC203", "svc/app.py", 22),  # timeout=None
        ("ARC203", "svc/app.py", 24),  # the client built with timeout=None, once
        ("ARC203", "svc/app.py", 31),  # a session built without a timeout, used in a helper
    }


def test_a_timeout_patched_into_requests_for_the_whole_service_counts(project):
    # pretix-style: the service patches HTTPAdapter.send at start-up to default the timeout.
    write_tree(
        project,
        {
            "svc/app/patches.py": """
                from requests.adapters import HTTPAdapter

                def monkeypatch_requests_timeout():
                    old_send = HTTPAdapter.send

                    def send(self, request, timeout=None, **kwargs):
                        return old_send(self, request, timeout=timeout or 30, **kwargs)

                    HTTPAdapter.send = send
                """,
            "svc/app/rates.py": """
                import requests
                import urllib.request

                def fetch(url):
                    urllib.request.urlopen(url)
                    return requests.get(url).json()
                """,
        },
    )
    # requests is bounded by the patch; urllib is not.
    assert sites(check(project, "ARC203")) == {("ARC203", "svc/app/rates.py", 5)}
    write_tree(project, {"svc/app/boot.py": "import socket\nsocket.setdefaulttimeout(20)\n"})
    assert check(project, "ARC203") == []


def test_blocking_calls_in_async_code_direct_and_one_call_away(project):
    write_tree(
        project,
        {
            "svc/app.py": """
                import asyncio
                import subprocess
                import time

                import requests
                from asgiref.sync import sync_to_async
                from fastapi import FastAPI
                from myapp.models import Book

                app = FastAPI()

                def fetch_cover(isbn):
                    return requests.get(f"https://covers.example.org/{isbn}", timeout=3).content

                @sync_to_async
                def fetch_offloaded(isbn):
                    return requests.get(f"https://covers.example.org/{isbn}", timeout=3).content

                @app.get("/covers/{isbn}")
                async def cover(isbn: str):
                    time.sleep(0.1)
                    data = fetch_cover(isbn)
                    other = await asyncio.to_thread(fetch_cover, isbn)
                    third = await fetch_offloaded(isbn)
                    book = Book.objects.get(isbn=isbn)
                    await Book.objects.aget(isbn=isbn)
                    subprocess.run(["convert", "a.png"])
                    await asyncio.sleep(0.1)
                    return data + other + third

                @app.get("/sync")
                def sync_handler():
                    time.sleep(1)
                    return fetch_cover("x")
            """,
        },
    )
    assert sites(check(project, "ARC204")) == {
        ("ARC204", "svc/app.py", 21),  # time.sleep
        ("ARC204", "svc/app.py", 22),  # a sync helper that makes an HTTP call
        ("ARC204", "svc/app.py", 25),  # the sync Django ORM
        ("ARC204", "svc/app.py", 27),  # subprocess.run
    }


OPS = {
    "deploy/api.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - name: api
                  image: registry.example.com/shop/api:1.4
                  livenessProbe:
                    httpGet: {path: /internal/healthz, port: 8000}
                  readinessProbe:
                    httpGet: {path: /ready, port: 8000}
        """,
    "deploy/admin.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: admin}
        spec:
          selector: {matchLabels: {app: admin}}
          template:
            metadata: {labels: {app: admin}}
            spec:
              containers:
                - name: admin
                  image: registry.example.com/shop/admin:1.4
                  livenessProbe:
                    tcpSocket: {port: 8000}
        """,
    "api/Dockerfile": "FROM python:3.12\n",
    "api/main.py": """
        from fastapi import FastAPI, APIRouter
        app = FastAPI()
        internal = APIRouter(prefix="/internal")

        @internal.get("/healthz")
        def healthz():
            return {"ok": True}

        app.include_router(internal)
        """,
    "admin/Dockerfile": "FROM python:3.12\n",
    "admin/main.py": """
        from flask import Flask
        app = Flask(__name__)

        @app.get("/orders/<int:order_id>/status")
        def order_status(order_id):
            return {"status": "paid"}
        """,
}


def test_health_readiness_and_probe_paths(project):
    write_tree(project, OPS)
    found = check(project, "ARC301,ARC302,ARC304")
    assert sites(found) == {
        # admin: a tcpSocket probe says nothing about the app; /orders/{id}/status is not health.
        ("ARC301", "admin/main.py", 2),
        ("ARC302", "deploy/admin.yaml", 10),
        # api: /internal/healthz is served under a router prefix; /ready is not served.
        ("ARC304", "deploy/api.yaml", 14),
    }


def test_pagination(project):
    write_tree(
        project,
        {
            "svc/main.py": """
                from fastapi import FastAPI, Query
                from pydantic import BaseModel
                app = FastAPI()

                class Order(BaseModel):
                    id: int

                @app.get("/orders", response_model=list[Order])
                def list_orders(customer_id: int | None = None):
                    return []

                @app.get("/invoices", response_model=list[Order])
                def list_invoices(limit: int = Query(50, le=200), cursor: str | None = None):
                    return []

                @app.get("/orders/{order_id}", response_model=Order)
                def get_order(order_id: int):
                    return Order(id=order_id)

                @app.post("/orders/bulk", response_model=list[Order])
                def bulk(orders: list[Order]):
                    return orders
            """,
            "svc/openapi.yaml": """
                openapi: 3.0.3
                info: {title: svc, version: "1"}
                paths:
                  /orders:
                    get:
                      parameters:
                        - {name: customer_id, in: query, schema: {type: integer}}
                      responses:
                        "200":
                          description: orders
                          content:
                            application/json:
                              schema: {type: array, items: {type: object}}
                  /regions:
                    get:
                      responses:
                        "200":
                          description: at most 20
                          content:
                            application/json:
                              schema: {type: array, maxItems: 20, items: {type: string}}
                  /invoices:
                    get:
                      responses:
                        "200":
                          description: a page
                          content:
                            application/json:
                              schema:
                                type: object
                                properties:
                                  items: {type: array, items: {type: object}}
                                  next_cursor: {type: string}
                  /orders/{order_id}:
                    get:
                      parameters:
                        - {name: order_id, in: path, required: true, schema: {type: integer}}
                      responses:
                        "200": {description: one order}
            """,
        },
    )
    found = check(project, "ARC401")
    # Code and spec describe GET /orders: one finding, at the code, with the spec related.
    assert sites(found) == {("ARC401", "svc/main.py", 8)}
    assert found[0]["related"][0]["path"] == "svc/openapi.yaml"


def test_pagination_a_list_inside_an_object_is_not_a_list_response(project):
    write_tree(
        project,
        {
            "svc/Dockerfile": "FROM python:3.12\n",
            "svc/manage.py": "import django\n",
            "svc/api/views.py": """
                from rest_framework.response import Response
                from rest_framework.views import APIView

                from .models import Device, KeySet
                from .serializers import DeviceSerializer, KeySetSerializer

                class InfoView(APIView):
                    def get(self, request):
                        device = request.auth
                        return Response({
                            "device": DeviceSerializer(device).data,
                            "key_sets": KeySetSerializer(KeySet.objects.all(), many=True).data
                            if device.rsa_pubkey else [],
                        })

                class KeySetList(APIView):
                    def get(self, request):
                        return Response({"items": KeySetSerializer(KeySet.objects.all(), many=True).data})
                """,
            "svc/api/urls.py": """
                from django.urls import path
                from . import views

                urlpatterns = [
                    path("device/info", views.InfoView.as_view()),
                    path("keysets", views.KeySetList.as_view()),
                ]
                """,
        },
    )
    # The lone {"items": [...]} wrapper is still the whole collection; the device info is not.
    assert sites(check(project, "ARC401")) == {("ARC401", "svc/api/views.py", 17)}
