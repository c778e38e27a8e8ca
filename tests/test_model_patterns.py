"""The system model from small, single-pattern projects, asserted through `archlint graph
--format json` as a user (or a script) would read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import archlint, write_tree


def graph(root: Path, *extra: str) -> dict[str, Any]:
    run = archlint("graph", root, "--format", "json", "--no-cache", *extra)
    assert run.code == 0, run.err
    return run.json()  # type: ignore[no-any-return]


def endpoints(data: dict[str, Any], service: str | None = None) -> set[str]:
    return {
        f"{e['method']} {e['path']}"
        for s in data["services"]
        if service is None or s["name"] == service
        for e in s["endpoints"]
    }


def calls(data: dict[str, Any]) -> set[tuple[str, str | None, str | None, str]]:
    return {(c["from"], c["to"] or c["external"], c["endpoint"], c["timeout"]) for c in data["calls"]}


def test_fastapi_prefixes_join_across_modules(project: Path) -> None:
    write_tree(
        project,
        {
            "app/main.py": """
                from fastapi import FastAPI
                from app.api import users
                from .api.items import router as items_router

                app = FastAPI()
                app.include_router(users.router, prefix="/api/v1")
                app.include_router(items_router, prefix="/api/v1")

                @app.get("/health")
                def health():
                    return {"ok": True}

                def legacy():
                    return []

                app.add_api_route("/legacy", legacy, methods=["GET", "POST"])
            """,
            "app/api/users.py": """
                from fastapi import APIRouter, Query
                router = APIRouter(prefix="/users", tags=["users"])

                @router.get("", response_model=list[User])
                async def list_users(limit: int = 50, q: str | None = Query(None)):
                    ...

                @router.get("/{user_id}")
                async def get_user(user_id: int) -> User:
                    ...
            """,
            "app/api/items.py": """
                from fastapi import APIRouter
                router = APIRouter(prefix="/items")

                @router.delete("/{item_id}")
                def delete_item(item_id: int):
                    ...
            """,
        },
    )
    data = graph(project)
    assert endpoints(data) == {
        "GET /health",
        "GET /legacy",
        "POST /legacy",
        "GET /api/v1/users",
        "GET /api/v1/users/{user_id}",
        "DELETE /api/v1/items/{item_id}",
    }
    (svc,) = data["services"]
    listing = next(e for e in svc["endpoints"] if e["path"] == "/api/v1/users")
    assert listing["returns_list"] is True
    assert listing["query_params"] == ["limit", "q"]
    assert listing["async"] is True
    assert (listing["file"], listing["line"]) == ("app/api/users.py", 4)


def test_flask_blueprints_methodviews_and_restx(project: Path) -> None:
    write_tree(
        project,
        {
            "svc/app/__init__.py": """
                from flask import Flask
                from .patients import bp
                from .views import ItemView

                def create_app():
                    app = Flask(__name__)
                    app.register_blueprint(bp, url_prefix="/api/patients")  # replaces bp's own
                    app.add_url_rule("/items/<int:item_id>", view_func=ItemView.as_view("item"))
                    return app
            """,
            "svc/app/patients.py": """
                from flask import Blueprint, jsonify, request
                bp = Blueprint("patients", __name__, url_prefix="/people")

                @bp.get("/")
                def list_patients():
                    name = request.args.get("name")
                    return jsonify([p.to_dict() for p in query(name)])

                @bp.route("/<int:pid>", methods=["GET", "PUT"])
                def patient(pid):
                    ...
            """,
            "svc/app/views.py": """
                from flask.views import MethodView

                class ItemView(MethodView):
                    def get(self, item_id):
                        ...
                    def delete(self, item_id):
                        ...
            """,
            "svc/app/slots.py": """
                from flask_restx import Namespace, Resource
                ns = Namespace("slots")

                @ns.route("/free")
                class FreeSlots(Resource):
                    @ns.marshal_list_with(slot)
                    def get(self):
                        ...
            """,
        },
    )
    data = graph(project)
    assert endpoints(data) >= {
        "GET /api/patients/",
        "GET /api/patients/{pid}",
        "PUT /api/patients/{pid}",
        "GET /items/{item_id}",
        "DELETE /items/{item_id}",
        "GET /slots/free",
    }
    eps = {f"{e['method']} {e['path']}": e for s in data["services"] for e in s["endpoints"]}
    assert eps["GET /api/patients/"]["returns_list"] is True
    assert eps["GET /api/patients/"]["query_params"] == ["name"]
    assert eps["GET /slots/free"]["returns_list"] is True


def test_django_include_chains_and_drf_router(project: Path) -> None:
    write_tree(
        project,
        {
            "manage.py": "import django\n",
            "site/urls.py": """
                from django.urls import include, path, re_path
                from rest_framework.routers import DefaultRouter
                from shop.views import OrderViewSet
                from . import views

                router = DefaultRouter()
                router.register(r"orders", OrderViewSet, basename="order")

                urlpatterns = [
                    path("api/", include("shop.urls")),
                    path("api/v1/", include(router.urls)),
                    re_path(r"^health/?$", views.health),
                ]
            """,
            "site/views.py": """
                from django.http import JsonResponse
                def health(request):
                    return JsonResponse({"ok": True})
            """,
            "shop/urls.py": """
                from django.urls import path
                from . import views
                urlpatterns = [
                    path("products/", views.ProductList.as_view()),
                    path("products/<int:pk>/", views.product_detail),
                ]
            """,
            "shop/views.py": """
                from rest_framework import generics, viewsets
                from rest_framework.decorators import action, api_view
                from rest_framework.response import Response

                class ProductList(generics.ListAPIView):
                    pagination_class = PageNumberPagination

                @api_view(["GET", "DELETE"])
                def product_detail(request, pk):
                    ...

                class OrderViewSet(viewsets.ReadOnlyModelViewSet):
                    @action(detail=True, methods=["post"])
                    def cancel(self, request, pk=None):
                        ...
            """,
        },
    )
    data = graph(project)
    assert endpoints(data) == {
        "GET /api/products/",
        "GET /api/products/{pk}/",
        "DELETE /api/products/{pk}/",
        "GET /api/v1/orders/",
        "GET /api/v1/orders/{pk}/",
        "POST /api/v1/orders/{pk}/cancel/",
        "GET /health/",
    }
    eps = {f"{e['method']} {e['path']}": e for s in data["services"] for e in s["endpoints"]}
    assert eps["GET /api/products/"]["returns_list"] and eps["GET /api/products/"]["paginated"]
    assert eps["GET /api/v1/orders/"]["returns_list"] is True
    assert eps["GET /api/v1/orders/{pk}/"]["returns_list"] is False


def test_django_nested_include_lists_and_concatenated_urlpatterns(project: Path) -> None:
    write_tree(
        project,
        {
            "manage.py": "import django\n",
            "site/urls.py": """
                from django.urls import include, path
                from shop import views

                extra_patterns = [
                    path("reports/", views.reports),
                ]

                urlpatterns = [
                    path("api/v1/", include([
                        path("orders/", views.orders),
                        path("orders/<int:pk>/", include([
                            path("", views.order),
                            path("items/", views.items),
                        ])),
                    ])),
                    path("credit/", include(extra_patterns)),
                    path("shop/", include("shop.urls")),
                ]
            """,
            "shop/urls.py": """
                from django.urls import path
                from rest_framework.routers import DefaultRouter
                from . import views

                router = DefaultRouter()
                router.register("customers", views.CustomerViewSet)

                base = [path("ping", views.ping)]
                urlpatterns = base + [path("charge", views.charge)] + router.urls
                urlpatterns += [path("late", views.charge)]
            """,
            "shop/views.py": """
                from django.http import JsonResponse
                from rest_framework import viewsets

                def reports(request): return JsonResponse({})
                def orders(request): return JsonResponse({})
                def order(request, pk): return JsonResponse({})
                def items(request, pk): return JsonResponse({})
                def ping(request): return JsonResponse({})
                def charge(request): return JsonResponse({})

                class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
                    pass
            """,
        },
    )
    assert endpoints(graph(project)) == {
        "GET /api/v1/orders/",
        "GET /api/v1/orders/{pk}/",
        "GET /api/v1/orders/{pk}/items/",
        "GET /credit/reports/",
        "GET /shop/ping",
        "GET /shop/charge",
        "GET /shop/late",
        "GET /shop/customers/",
        "GET /shop/customers/{pk}/",
    }


def test_aiohttp_and_starlette_route_tables(project: Path) -> None:
    write_tree(
        project,
        {
            "tracker/app.py": """
                from aiohttp import web
                from .admin import admin_app

                routes = web.RouteTableDef()

                @routes.get("/vehicles/{vid}")
                async def vehicle(request):
                    ...

                async def health(request):
                    return web.json_response({"ok": True})

                def make_app():
                    app = web.Application()
                    app.add_routes(routes)
                    app.add_routes([web.get("/health", health)])
                    app.router.add_post("/positions", health)
                    app.add_subapp("/admin/", admin_app)
                    return app
            """,
            "tracker/admin.py": """
                from aiohttp import web
                async def stats(request):
                    ...
                admin_app = web.Application()
                admin_app.router.add_get("/stats", stats)
            """,
            "web/main.py": """
                from starlette.applications import Starlette
                from starlette.routing import Mount, Route

                async def homepage(request): ...
                async def user(request): ...

                app = Starlette(routes=[
                    Route("/", homepage),
                    Mount("/users", routes=[Route("/{username}", user, methods=["GET", "PUT"])]),
                ])
            """,
            "tracker/Dockerfile": "FROM python:3.12\n",
            "web/Dockerfile": "FROM python:3.12\n",
        },
    )
    data = graph(project)
    assert endpoints(data, "tracker") == {
        "GET /vehicles/{vid}",
        "GET /health",
        "POST /positions",
        "GET /admin/stats",
    }
    assert endpoints(data, "web") == {"GET /", "GET /users/{username}", "PUT /users/{username}"}


def test_calls_resolve_through_settings_env_and_compose(project: Path) -> None:
    write_tree(
        project,
        {
            "docker-compose.yml": """
                services:
                  front:
                    build: ./front
                    environment:
                      USERS_URL: ${USERS_URL:-http://users:8000}
                  users:
                    build: ./users
                  users-worker:
                    build: ./users
                    command: python -m users.worker
            """,
            "front/front/config.py": """
                from pydantic_settings import BaseSettings
                class Settings(BaseSettings):
                    users_url: str = "http://localhost:9999"
                    timeout: float = 2.0
                settings = Settings()
            """,
            "front/front/clients.py": """
                import httpx, requests
                from .config import settings

                class UsersClient:
                    def __init__(self, base_url: str):
                        self._http = httpx.Client(base_url=base_url, timeout=None)

                    def get(self, uid):
                        return self._http.get(f"/users/{uid}")

                def ping():
                    return requests.get(settings.users_url + "/health")
            """,
            "front/front/app.py": """
                from fastapi import FastAPI
                from .clients import UsersClient, ping
                from .config import settings
                app = FastAPI()
                client = UsersClient(settings.users_url)

                @app.get("/profile/{uid}")
                def profile(uid: int):
                    ping()
                    return client.get(uid)
            """,
            "users/users/app.py": """
                from fastapi import FastAPI
                app = FastAPI()
                @app.get("/users/{user_id}")
                def get_user(user_id: int): ...
                @app.get("/health")
                def health(): ...
            """,
        },
    )
    data = graph(project)
    services = {s["name"]: s for s in data["services"]}
    assert set(services) == {"front", "users"}
    assert [p["name"] for p in services["users"]["processes"]] == ["users", "users-worker"]
    assert calls(data) == {
        ("front", "users", "GET /users/{user_id}", "none"),
        ("front", "users", "GET /health", "missing"),
    }
    for c in data["calls"]:
        assert c["reached_from"] == ["GET /profile/{uid}"]


def test_unresolved_targets_are_listed_with_their_reason(project: Path) -> None:
    write_tree(
        project,
        {
            "svc/app.py": """
                import os, requests
                from flask import Flask
                app = Flask(__name__)

                @app.get("/")
                def index():
                    return requests.get(os.environ["BILLING_URL"] + "/invoices", timeout=3).json()
            """,
        },
    )
    run = archlint("graph", project, "--format", "json", "--no-cache", "--verbose")
    assert run.code == 0
    (call,) = run.json()["calls"]
    assert call["to"] is None
    assert "BILLING_URL" in call["unresolved"][0]
    assert "svc/app.py:7" in run.err and "BILLING_URL" in run.err


def test_brokers_databases_grpc_and_blocking_calls(project: Path) -> None:
    write_tree(
        project,
        {
            "docker-compose.yml": """
                services:
                  api:
                    build: ./api
                    environment:
                      DATABASE_URL: postgresql://app:pw@db:5432/api
                  worker:
                    build: ./worker
                    environment:
                      DATABASE_URL: postgresql://app:pw@db:5432/reports
                  routing:
                    build: ./routing
                  db:
                    image: postgres:16
            """,
            "api/api/main.py": """
                import asyncio, os, time, grpc, requests
                from aiokafka import AIOKafkaProducer
                from sqlalchemy import create_engine
                from fastapi import FastAPI
                from . import routing_pb2_grpc

                app = FastAPI()
                engine = create_engine(os.environ["DATABASE_URL"])
                channel = grpc.insecure_channel(os.getenv("ROUTING", "routing:50051"))
                stub = routing_pb2_grpc.RoutingStub(channel)

                @app.post("/orders")
                async def create(order: dict):
                    producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")
                    await producer.send_and_wait("order-events", b"x")
                    time.sleep(0.1)
                    await asyncio.to_thread(requests.get, "http://example.com")
                    return stub.Plan(order)
            """,
            "worker/worker/main.py": """
                import os
                from aiokafka import AIOKafkaConsumer
                import psycopg

                async def main():
                    consumer = AIOKafkaConsumer("order-events", bootstrap_servers="kafka:9092")
                    conn = psycopg.connect(os.environ["DATABASE_URL"])

                if __name__ == "__main__":
                    main()
            """,
            "routing/routing/server.py": """
                import grpc
                from . import routing_pb2_grpc
                server = grpc.server(None)
                routing_pb2_grpc.add_RoutingServicer_to_server(Servicer(), server)
            """,
        },
    )
    data = graph(project)
    kinds = {s["name"]: s["kind"] for s in data["services"]}
    assert kinds == {"api": "http", "worker": "worker", "routing": "grpc"}
    assert data["topics"] == [
        {"broker": "kafka", "name": "order-events", "producers": ["api"], "consumers": ["worker"]}
    ]
    assert [(d["id"], d["services"], d["shared"]) for d in data["databases"]] == [
        ("postgresql://db:5432/api", ["api"], False),
        ("postgresql://db:5432/reports", ["worker"], False),
    ]
    (grpc_call,) = [c for c in data["calls"] if c["kind"] == "grpc"]
    assert (grpc_call["to"], grpc_call["method"], grpc_call["timeout"]) == ("routing", "Plan", "missing")
    mermaid = archlint("graph", project, "--no-cache").out
    assert mermaid.startswith("flowchart LR")
    assert "svc_api -.-> topic_kafka_order_events" in mermaid
    dot = archlint("graph", project, "--format", "dot", "--no-cache").out
    assert dot.startswith("digraph archlint {") and "shape=cylinder" in dot


def test_calls_on_call_results_do_not_break_the_reader(project: Path) -> None:
    # `a.b()()` has a dotted name with a dot but no attribute receiver (seen in Flask's own code).
    write_tree(
        project,
        {
            "app.py": """
                from flask import Flask
                app = Flask(__name__)

                @app.get("/")
                def index():
                    return app.ensure_sync(index)()
            """,
        },
    )
    run = archlint("graph", project, "--format", "json", "--no-cache")
    assert run.code == 0 and "internal error" not in run.err
    assert endpoints(run.json()) == {"GET /"}


def test_a_project_router_subclass_keeps_its_prefix(project: Path) -> None:
    write_tree(
        project,
        {
            "api/server.py": """
                from fastapi import APIRouter, FastAPI

                class OrbitRouter(APIRouter):
                    pass

                app = FastAPI()
            """,
            "api/flows.py": """
                from api.server import OrbitRouter, app

                router = OrbitRouter(prefix="/flows", tags=["flows"])

                @router.get("/{flow_id}")
                async def read_flow(flow_id: str):
                    return {}

                app.include_router(router, prefix="/api")
            """,
        },
    )
    assert endpoints(graph(project)) == {"GET /api/flows/{flow_id}"}


def test_a_one_app_project_is_named_after_its_folder_without_a_release_version(tmp_path: Path) -> None:
    root = tmp_path / "shopfront-2.4.1"
    write_tree(root, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    assert [s["name"] for s in graph(root)["services"]] == ["shopfront"]


def test_django_generic_class_views_keep_the_methods_they_inherit(project: Path) -> None:
    write_tree(
        project,
        {
            "manage.py": "import django\n",
            "shop/views.py": """
                from django.views.generic import DetailView, ListView
                from django.views.generic.edit import CreateView

                class OrderList(ListView):
                    def post(self, request):
                        ...

                class OrderNew(CreateView):
                    pass

                class OrderDetail(DetailView):
                    pass
            """,
            "shop/urls.py": """
                from django.urls import path
                from . import views
                urlpatterns = [
                    path("orders/", views.OrderList.as_view()),
                    path("orders/new/", views.OrderNew.as_view()),
                    path("orders/<int:pk>/", views.OrderDetail.as_view()),
                ]
            """,
        },
    )
    assert endpoints(graph(project)) == {
        "GET /orders/",
        "POST /orders/",
        "GET /orders/new/",
        "POST /orders/new/",
        "GET /orders/{pk}/",
    }


def test_routes_registered_in_a_loop_are_unresolved_not_wildcards(project: Path) -> None:
    write_tree(
        project,
        {
            "app.py": """
                from flask import Flask
                from handlers import get_endpoints

                app = Flask(__name__)

                for http_path, handler, methods in get_endpoints():
                    app.add_url_rule(http_path, handler.__name__, handler, methods=methods)

                @app.route("/health")
                def health():
                    return "ok"
            """,
        },
    )
    data = graph(project)
    assert endpoints(data) == {"GET /health"}
    assert {(u["file"], u["line"]) for u in data["unresolved"]} == {("app.py", 7)}


def test_a_flask_restx_api_built_on_a_blueprint_serves_under_its_prefix(project: Path) -> None:
    write_tree(
        project,
        {
            "app.py": """
                from flask import Blueprint, Flask
                from flask_restx import Api, Namespace, Resource

                bp = Blueprint("api", __name__, url_prefix="/api/v1")
                api = Api(bp, doc="/docs")
                ns = Namespace("slots")
                api.add_namespace(ns)

                @ns.route("/<int:slot_id>")
                class Slot(Resource):
                    def get(self, slot_id):
                        return {}

                app = Flask(__name__)
                app.register_blueprint(bp)
            """,
        },
    )
    assert endpoints(graph(project)) == {"GET /api/v1/slots/{slot_id}"}


def test_an_aiohttp_sub_app_built_by_a_factory_serves_under_its_mount(project: Path) -> None:
    write_tree(
        project,
        {
            "svc/api.py": """
                from aiohttp import web

                routes = web.RouteTableDef()

                @routes.get("/vehicles")
                async def vehicles(request):
                    return web.json_response([])

                def create_api_app() -> web.Application:
                    api = web.Application()
                    api.add_routes(routes)
                    api.router.add_get("/ping", ping)
                    return api

                async def ping(request):
                    return web.Response(text="pong")
            """,
            "svc/main.py": """
                from aiohttp import web
                from svc.api import create_api_app

                app = web.Application()
                app.add_subapp("/api/v2", create_api_app())
            """,
        },
    )
    assert endpoints(graph(project)) == {"GET /api/v2/ping", "GET /api/v2/vehicles"}
