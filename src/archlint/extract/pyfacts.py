"""Architecture facts from a Python module, collected during the reader's single `ast` walk.

The Python reader walks the tree once, in source order, and hands every node with its scope
(enclosing class and function) to `FactCollector.visit`. What cannot be decided inside one file
(a router defined in another module, a URL held in a settings class elsewhere, an environment
variable set in docker-compose) is kept as names and `Expr` parts for the assemble stage.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from archlint.extract.migrations import (
    MigrationReader,
    django_model_columns,
    migration_style,
    sqlalchemy_model_columns,
    sqlalchemy_table_columns,
    tables_from_migration_call,
)
from archlint.facts import (
    App,
    Binding,
    BlockingCall,
    BrokerUse,
    DatabaseUse,
    Expr,
    Function,
    HttpClient,
    Import,
    Mount,
    OutboundCall,
    Part,
    PythonFacts,
    Route,
    TableUse,
)
from archlint.location import Location

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_VERBS = frozenset(HTTP_VERBS)

# Constructors of HTTP apps and route containers: canonical name → (framework, kind, prefix kw).
_APP_CONSTRUCTORS: dict[str, tuple[str, str, str]] = {
    "fastapi.FastAPI": ("fastapi", "app", "root_path"),
    "fastapi.APIRouter": ("fastapi", "router", "prefix"),
    "fastapi.routing.APIRouter": ("fastapi", "router", "prefix"),
    "starlette.applications.Starlette": ("starlette", "app", ""),
    "starlette.routing.Router": ("starlette", "router", ""),
    "flask.Flask": ("flask", "app", ""),
    "flask.Blueprint": ("flask", "router", "url_prefix"),
    "flask_smorest.Blueprint": ("flask", "router", "url_prefix"),
    "flask_smorest.Api": ("flask", "app", ""),
    "flask_restx.Api": ("flask", "app", "prefix"),
    "flask_restx.Namespace": ("flask", "router", "path"),
    "flask_restplus.Api": ("flask", "app", "prefix"),
    "flask_restplus.Namespace": ("flask", "router", "path"),
    "flask_restful.Api": ("flask", "app", "prefix"),
    "quart.Quart": ("flask", "app", ""),
    "quart.Blueprint": ("flask", "router", "url_prefix"),
    "aiohttp.web.Application": ("aiohttp", "app", ""),
    "aiohttp.web.RouteTableDef": ("aiohttp", "router", ""),
    "rest_framework.routers.DefaultRouter": ("drf", "router", ""),
    "rest_framework.routers.SimpleRouter": ("drf", "router", ""),
    "connexion.App": ("connexion", "app", ""),
    "connexion.FlaskApp": ("connexion", "app", ""),
    "connexion.AsyncApp": ("connexion", "app", ""),
    "grpc.server": ("grpc", "app", ""),
    "grpc.aio.server": ("grpc", "app", ""),
    "sanic.Sanic": ("sanic", "app", ""),
    "sanic.Blueprint": ("sanic", "router", "url_prefix"),
}
_APP_SHORT = {k.rsplit(".", 1)[-1]: v for k, v in _APP_CONSTRUCTORS.items() if "." in k}
_APP_SHORT.pop("server", None)
_APP_SHORT.pop("Api", None)
_APP_SHORT.pop("App", None)

_HTTP_FUNCS = {
    "requests": "requests",
    "httpx": "httpx",
    "aiohttp": "aiohttp",
    "urllib3": "urllib3",
}
_HTTP_CLIENTS = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "aiohttp.client.ClientSession": "aiohttp",
    "urllib3.PoolManager": "urllib3",
    "urllib3.HTTPConnectionPool": "urllib3",
    "urllib3.HTTPSConnectionPool": "urllib3",
}
_ASYNC_CLIENTS = {"httpx.AsyncClient", "aiohttp.ClientSession", "aiohttp.client.ClientSession"}
_GRPC_CHANNELS = {
    "grpc.insecure_channel",
    "grpc.secure_channel",
    "grpc.aio.insecure_channel",
    "grpc.aio.secure_channel",
}
_DB_CONNECTS = {
    "sqlalchemy.create_engine": "sqlalchemy",
    "sqlalchemy.engine.create_engine": "sqlalchemy",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy",
    "psycopg2.connect": "psycopg",
    "psycopg2.pool.SimpleConnectionPool": "psycopg",
    "psycopg2.pool.ThreadedConnectionPool": "psycopg",
    "psycopg.connect": "psycopg",
    "psycopg.AsyncConnection.connect": "psycopg",
    "psycopg.Connection.connect": "psycopg",
    "psycopg_pool.ConnectionPool": "psycopg",
    "psycopg_pool.AsyncConnectionPool": "psycopg",
    "asyncpg.connect": "asyncpg",
    "asyncpg.create_pool": "asyncpg",
    "pymysql.connect": "pymysql",
    "MySQLdb.connect": "pymysql",
    "mysql.connector.connect": "pymysql",
    "aiomysql.connect": "pymysql",
    "aiomysql.create_pool": "pymysql",
    "sqlite3.connect": "sqlite3",
    "aiosqlite.connect": "sqlite3",
    "pymongo.MongoClient": "pymongo",
    "motor.motor_asyncio.AsyncIOMotorClient": "pymongo",
    "redis.Redis": "redis",
    "redis.StrictRedis": "redis",
    "redis.from_url": "redis",
    "redis.Redis.from_url": "redis",
    "redis.asyncio.Redis": "redis",
    "redis.asyncio.from_url": "redis",
    "redis.asyncio.Redis.from_url": "redis",
    "aioredis.from_url": "redis",
    "aioredis.Redis": "redis",
    "databases.Database": "sqlalchemy",
}
_DSN_KWARGS = ("dsn", "url", "conninfo", "database_url", "host")
_DB_FIELD_KWARGS = {
    "host": "host",
    "port": "port",
    "dbname": "name",
    "database": "name",
    "db": "name",
    "user": "user",
}
_KAFKA_PRODUCERS = {
    "kafka.KafkaProducer",
    "aiokafka.AIOKafkaProducer",
    "confluent_kafka.Producer",
    "confluent_kafka.SerializingProducer",
}
_KAFKA_CONSUMERS = {
    "kafka.KafkaConsumer",
    "aiokafka.AIOKafkaConsumer",
    "confluent_kafka.Consumer",
    "confluent_kafka.DeserializingConsumer",
}
# Assigning to these patches a timeout into every call of the library (pretix's
# `HTTPAdapter.send = httpadapter_send`); socket.setdefaulttimeout(n) bounds all three.
_TIMEOUT_PATCH_TARGETS = {
    "requests.adapters.HTTPAdapter.send": "requests",
    "requests.Session.request": "requests",
    "requests.Session.send": "requests",
    "requests.sessions.Session.request": "requests",
    "requests.sessions.Session.send": "requests",
    "requests.request": "requests",
    "requests.api.request": "requests",
}
_SOCKET_DEFAULT_TIMEOUT_LIBRARIES = ("requests", "urllib", "urllib3")

_BLOCKING = {
    "time.sleep": "sleep",
    "urllib.request.urlopen": "http",
    "subprocess.run": "subprocess",
    "subprocess.call": "subprocess",
    "subprocess.check_call": "subprocess",
    "subprocess.check_output": "subprocess",
    "subprocess.Popen": "subprocess",
    "os.system": "subprocess",
    "psycopg2.connect": "database",
    "psycopg.connect": "database",
    "pymysql.connect": "database",
    "sqlite3.connect": "database",
    "pymongo.MongoClient": "database",
}
_QUERY_SOURCES = {"args", "query_params", "GET", "query", "rel_url.query"}
_DRF_GENERIC_METHODS = {
    "ListAPIView": ("GET",),
    "CreateAPIView": ("POST",),
    "RetrieveAPIView": ("GET",),
    "DestroyAPIView": ("DELETE",),
    "UpdateAPIView": ("PUT", "PATCH"),
    "ListCreateAPIView": ("GET", "POST"),
    "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"),
    "RetrieveDestroyAPIView": ("GET", "DELETE"),
    "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE"),
}
# Django's generic class-based views (django.views.generic): what they serve without a method
# of their own.
_DJANGO_GENERIC_METHODS = {
    "TemplateView": ("GET",),
    "RedirectView": ("GET",),
    "ListView": ("GET",),
    "DetailView": ("GET",),
    "ArchiveIndexView": ("GET",),
    "FormView": ("GET", "POST"),
    "CreateView": ("GET", "POST"),
    "UpdateView": ("GET", "POST"),
    "DeleteView": ("GET", "POST"),
}
_VIEWSET_ACTIONS = {
    "ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
    "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListModelMixin": ("list",),
    "CreateModelMixin": ("create",),
    "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"),
    "DestroyModelMixin": ("destroy",),
}
_DRF_GENERIC_VIEWS = {
    "GenericAPIView",
    "ListAPIView",
    "ListCreateAPIView",
    "GenericViewSet",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "ListModelMixin",
}
_ACTION_NAMES = ("list", "create", "retrieve", "update", "partial_update", "destroy")


@dataclass(frozen=True, slots=True)
class Scope:
    qualname: str = ""  # of the innermost function or class
    function: str = ""  # the innermost function ("" at module / class level)
    cls: str = ""  # the innermost class
    is_async: bool = False  # the innermost function is `async def`


MODULE_SCOPE = Scope()


@dataclass
class _FunctionInfo:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    qualname: str
    calls: set[str] = field(default_factory=set)
    call_sites: list[tuple[str, int, int]] = field(default_factory=list)
    query_params: list[str] = field(default_factory=list)
    returns_list: bool = False
    paginated: bool = False
    pagination_off: bool = False


@dataclass
class _ClientVar:
    kind: str  # http | grpc-channel | grpc-stub | kafka-producer | kafka-consumer | redis | sqs | sns | class
    library: str = ""
    cls: str = ""  # canonical class name for project classes
    base_url: Expr | None = None
    timeout: str = ""  # given | none | "" (not said)
    is_async: bool = False
    location: Location | None = None  # where the client was built


def module_name(path: str) -> str:
    """`svc/app/main.py` → `svc.app.main`; `pkg/__init__.py` → `pkg`."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    if isinstance(node, ast.Call):
        inner = _dotted(node.func)
        return f"{inner}()" if inner else ""
    return ""


# Django QuerySet methods that hit the database when called (lazy ones such as filter() do not).
_ORM_EVALUATING = {
    "get",
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "count",
    "exists",
    "first",
    "last",
    "latest",
    "earliest",
    "aggregate",
    "in_bulk",
    "update",
    "delete",
    "iterator",
}


def _is_sync_orm_call(dotted: str) -> bool:
    """`Book.objects.get`, `Book.objects.filter().count`: a Django ORM query run synchronously
    (inside `async def` it raises SynchronousOnlyOperation or blocks the event loop)."""
    parts = dotted.split(".")
    if len(parts) < 3 or parts[-1] not in _ORM_EVALUATING:
        return False
    i = parts.index("objects") if "objects" in parts else -1
    return i >= 1 and parts[i - 1][:1].isupper()


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _kw(node: ast.Call, name: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _arg(node: ast.Call, index: int, name: str) -> ast.expr | None:
    value = _kw(node, name)
    if value is not None:
        return value
    if len(node.args) > index and not isinstance(node.args[index], ast.Starred):
        return node.args[index]
    return None


def _str_list(node: ast.AST | None) -> tuple[str, ...]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return tuple(s for s in (_const_str(e) for e in node.elts) if s is not None)
    s = _const_str(node)
    return (s,) if s is not None else ()


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_list_annotation(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Subscript):
        head = _dotted(node.value).rsplit(".", 1)[-1]
        if head in {"list", "List", "Sequence", "Iterable", "tuple", "Tuple", "set", "Set"}:
            return True
        if head in {"Optional", "Annotated"}:
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return _is_list_annotation(inner)
    return False


def _parameters(args: ast.arguments, is_method: bool) -> dict[str, tuple[int, ast.expr | None]]:
    positional = [*args.posonlyargs, *args.args]
    if is_method and positional:
        positional = positional[1:]  # self / cls
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)[-len(positional) :] if positional else []
    out = {a.arg: (i, d) for i, (a, d) in enumerate(zip(positional, defaults, strict=False))}
    for a, kd in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out[a.arg] = (-1, kd)
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            out[extra.arg] = (-1, None)
    return out


def _at(
    fact: Route | Mount | OutboundCall | BrokerUse | TableUse | BlockingCall,
) -> tuple[int, int]:
    return (fact.location.line, fact.location.column)


def concat(*exprs: Expr) -> Expr:
    parts: list[Part] = []
    for e in exprs:
        for p in e.parts:
            if parts and p.kind == "lit" and parts[-1].kind == "lit":
                parts[-1] = Part("lit", parts[-1].value + p.value)
            else:
                parts.append(p)
    return Expr(tuple(parts), _short(" + ".join(e.text for e in exprs if e.text)))


class FactCollector:
    """Collects PythonFacts while the reader walks the tree; `visit` is called per node."""

    def __init__(self, path: str, text: str, locate: Callable[[ast.AST], Location]):
        self.path = path
        self.module = module_name(path)
        self.locate = locate
        self.imports: dict[str, str] = {}
        self.import_facts: list[Import] = []
        self.bindings: list[Binding] = []
        self.functions: dict[str, _FunctionInfo] = {}
        self.apps: list[App] = []
        self.app_vars: dict[str, App] = {}
        self.routes: list[Route] = []
        self.mounts: list[Mount] = []
        self.calls: list[OutboundCall] = []
        self.brokers: list[BrokerUse] = []
        self.databases: list[DatabaseUse] = []
        self.tables: list[TableUse] = []
        self.blocking: list[BlockingCall] = []
        self.entry_point = False
        self.drf_default_pagination = False
        self.timeout_patched: set[str] = set()
        self._nested_calls: set[int] = (
            set()
        )  # calls that are values inside a dict display  # libraries whose default timeout is patched
        self.http_clients: list[_ClientVar] = []
        self._client_nodes: set[int] = set()
        self.locals: dict[tuple[str, str], Expr] = {}  # (function, var) → value
        self.lists: dict[str, ast.expr] = {}  # module-level list variables (route tables)
        self.vars: dict[tuple[str, str], _ClientVar] = {}  # (function or class, var) → type
        self.session_timeouts: set[tuple[str, str]] = set()
        # method calls resolved after the walk, with the receiver's variable as bound at the call
        self.pending: list[tuple[ast.Call, Scope, tuple[str, str], _ClientVar | None]] = []
        self.migration = migration_style(path, text)
        self.app_label = self._app_label()
        # the Migration fact of an Alembic / Django migration file (python.py gives it the SQL)
        self.migration_reader = (
            MigrationReader(self.migration, path, self.app_label, locate)
            if self.migration
            else None
        )
        self.is_django = False
        self.classes: dict[str, ast.ClassDef] = {}
        self._viewset_extra: dict[str, list[str]] = {}  # class → DRF @action routes
        self._view_methods: dict[str, tuple[str, ...]] = {}  # function → @api_view methods
        # function → parameter name → (position without self/cls, default value)
        self.params: dict[str, dict[str, tuple[int, ast.expr | None]]] = {}
        self.settings_classes: set[str] = set()

    # -- names ---------------------------------------------------------------------------------
    def canonical(self, dotted: str) -> str:
        """Resolve the head of a dotted name through this file's imports."""
        if not dotted:
            return ""
        head, _, rest = dotted.partition(".")
        target = self.imports.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def _app_label(self) -> str:
        parts = self.path.split("/")
        for marker in ("migrations", "models", "models.py"):
            if marker in parts:
                i = parts.index(marker)
                if i > 0:
                    return parts[i - 1]
        return parts[-2] if len(parts) > 1 else ""

    # -- the walk ------------------------------------------------------------------------------
    def visit(self, node: ast.AST, scope: Scope) -> Scope:
        """Handle one node; return the scope its children are in."""
        t = type(node)
        if t is ast.Call:
            self._call(node, scope)  # type: ignore[arg-type]
        elif t is ast.Assign or t is ast.AnnAssign:
            self._assign(node, scope)  # type: ignore[arg-type]
        elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            return self._function(node, scope)  # type: ignore[arg-type]
        elif t is ast.ClassDef:
            return self._class(node, scope)  # type: ignore[arg-type]
        elif t is ast.Lambda:
            return Scope(scope.qualname, scope.function, scope.cls, False)
        elif t is ast.Import or t is ast.ImportFrom:
            self._import(node)  # type: ignore[arg-type]
        elif t is ast.With or t is ast.AsyncWith:
            self._with(node, scope)  # type: ignore[arg-type]
        elif t is ast.Return:
            self._return(node, scope)  # type: ignore[arg-type]
        elif t is ast.Subscript:
            self._subscript(node, scope)  # type: ignore[arg-type]
        elif t is ast.If:
            self._if(node)  # type: ignore[arg-type]
        elif t is ast.AugAssign:
            self._augassign(node)  # type: ignore[arg-type]
        elif t is ast.Dict and scope.function:
            self._dict_values(node)  # type: ignore[arg-type]
        return scope

    def _dict_values(self, node: ast.Dict) -> None:
        """`{"device": …, "key_sets": S(qs, many=True).data}`: a list beside other fields of an
        object is not a list response (a lone `{"items": …}` wrapper still is)."""
        if len(node.values) < 2:
            return
        stack: list[ast.expr] = [v for v in node.values if v is not None]
        while stack:
            v = stack.pop()
            if isinstance(v, ast.Call):
                self._nested_calls.add(id(v))
                stack.append(v.func)
            elif isinstance(v, ast.Attribute):
                stack.append(v.value)
            elif isinstance(v, ast.IfExp):
                stack.extend((v.body, v.orelse))
            elif isinstance(v, ast.BoolOp):
                stack.extend(v.values)

    # -- imports -------------------------------------------------------------------------------
    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._add_import(alias.asname, alias.name)
                else:
                    head = alias.name.split(".", 1)[0]
                    self._add_import(head, head)
            return
        base = node.module or ""
        if node.level:
            pkg = self.module.split(".")
            if not self.path.endswith("__init__.py"):
                pkg = pkg[:-1]
            keep = len(pkg) - (node.level - 1)
            pkg = pkg[: max(keep, 0)]
            base = ".".join([*pkg, base] if base else pkg)
        for alias in node.names:
            if alias.name == "*":
                continue
            target = f"{base}.{alias.name}" if base else alias.name
            self._add_import(alias.asname or alias.name, target)

    def _add_import(self, alias: str, target: str) -> None:
        self.imports[alias] = target
        self.import_facts.append(Import(alias, target))
        if target.startswith(("django", "rest_framework")):
            self.is_django = True

    # -- values --------------------------------------------------------------------------------
    def expr(self, node: ast.AST | None, scope: Scope, depth: int = 0) -> Expr:
        """A string-valued expression as literal text, env lookups and names to resolve."""
        if node is None:
            return Expr((), "")
        text = ""
        if depth == 0:
            try:
                text = _short(ast.unparse(node))
            except (ValueError, RecursionError):
                text = "…"
        parts = self._parts(node, scope, depth)
        return Expr(parts, text)

    def _parts(self, node: ast.AST, scope: Scope, depth: int) -> tuple[Part, ...]:
        if depth > 8:
            return (Part("unknown", "…"),)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return (Part("lit", node.value),)
            if isinstance(node.value, int | float) and not isinstance(node.value, bool):
                return (Part("lit", str(node.value)),)
            return (Part("unknown", repr(node.value)),)
        if isinstance(node, ast.JoinedStr):
            out: list[Part] = []
            for v in node.values:
                if isinstance(v, ast.FormattedValue):
                    out.extend(self._parts(v.value, scope, depth + 1))
                else:
                    out.extend(self._parts(v, scope, depth + 1))
            return tuple(out)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._parts(node.left, scope, depth + 1) + self._parts(
                node.right, scope, depth + 1
            )
        if isinstance(node, ast.Name):
            local = self.locals.get((scope.function, node.id))
            if local is None and scope.function:
                local = self.locals.get(("", node.id))
                if local is not None:
                    return (Part("name", self._qualify(node.id)),)
            if local is not None:
                return local.parts
            var = self.vars.get((scope.function, node.id))
            if var is not None and var.kind == "class":
                return (Part("name", f"{var.cls}()"),)
            if scope.function and node.id in self.params.get(scope.function, {}):
                index, default = self.params[scope.function][node.id]
                ref = f"{self.module}.{scope.function}|{node.id}|{index}"
                if default is None:
                    return (Part("param", ref),)
                return (Part("param", ref, self._parts(default, MODULE_SCOPE, depth + 1), True),)
            return (Part("name", self._qualify(node.id)),)
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted:
                return (Part("name", self._canonical_attr(dotted, scope)),)
        if isinstance(node, ast.Subscript):
            env = self._env_lookup(node, scope, depth)
            if env is not None:
                return env
            key = _const_str(node.slice)
            base = _dotted(node.value)
            if key is not None and base:
                return (Part("name", f"{self._canonical_attr(base, scope)}.{key}"),)
        if isinstance(node, ast.Call):
            env = self._env_lookup(node, scope, depth)
            if env is not None:
                return env
            func = self.canonical(_dotted(node.func))
            short = func.rsplit(".", 1)[-1]
            if short in {"str", "SecretStr", "AnyHttpUrl", "HttpUrl"} and node.args:
                return self._parts(node.args[0], scope, depth + 1)
            if short == "urljoin" and len(node.args) == 2:
                return self._parts(node.args[0], scope, depth + 1) + self._parts(
                    node.args[1], scope, depth + 1
                )
            if short == "format" and isinstance(node.func, ast.Attribute):
                return self._format(node, scope, depth)
            if func.endswith("get_secret_value") and isinstance(node.func, ast.Attribute):
                return self._parts(node.func.value, scope, depth + 1)
            if func and func[0].isalpha() and not node.args and not node.keywords:
                return (Part("name", f"{self._qualify_class(func)}()"),)
        try:
            source = _short(ast.unparse(node), 80)
        except (ValueError, RecursionError):
            source = "…"
        return (Part("unknown", source),)

    def _format(self, node: ast.Call, scope: Scope, depth: int) -> tuple[Part, ...]:
        assert isinstance(node.func, ast.Attribute)
        template = _const_str(node.func.value)
        if template is None:
            return (Part("unknown", "….format()"),)
        import string

        out: list[Part] = []
        positional = iter(node.args)
        try:
            pieces = list(string.Formatter().parse(template))
        except ValueError:
            return (Part("unknown", "….format()"),)
        for literal, field_name, _spec, _conv in pieces:
            if literal:
                out.append(Part("lit", literal))
            if field_name is None:
                continue
            value: ast.AST | None = None
            if field_name == "":
                value = next(positional, None)
            elif field_name.isdigit():
                idx = int(field_name)
                value = node.args[idx] if idx < len(node.args) else None
            else:
                value = _kw(node, field_name)
            out.extend(
                self._parts(value, scope, depth + 1)
                if value is not None
                else (Part("unknown", field_name),)
            )
        return tuple(out)

    def _env_lookup(self, node: ast.AST, scope: Scope, depth: int) -> tuple[Part, ...] | None:
        """os.getenv("X", d), os.environ.get("X", d), os.environ["X"], env("X", default=d),
        env.str("X"), config("X", default=d) → an env part."""
        if isinstance(node, ast.Subscript):
            base = self.canonical(_dotted(node.value))
            key = _const_str(node.slice)
            if key is not None and base in {"os.environ", "environ"}:
                return (Part("env", key),)
            return None
        if not isinstance(node, ast.Call):
            return None
        func = self.canonical(_dotted(node.func))
        owner, _, name = func.rpartition(".")
        is_env = (
            func in {"os.getenv", "os.environ.get", "os.environ.setdefault", "getenv"}
            or (owner in {"environ", "os.environ"} and name == "get")
            or func in {"decouple.config", "environs.Env", "config"}
            or (
                self._is_env_object(owner)
                and name
                in {"str", "int", "url", "get", "db", "db_url", "cache", "bool", "__call__"}
            )
            or (not owner and self._is_env_object(name))
        )
        if not is_env:
            return None
        var = _const_str(node.args[0]) if node.args else _const_str(_kw(node, "var"))
        if var is None:
            return None
        default_node = node.args[1] if len(node.args) > 1 else _kw(node, "default")
        if default_node is None:
            return (Part("env", var),)
        if isinstance(default_node, ast.Constant) and default_node.value is None:
            return (Part("env", var),)
        default = self._parts(default_node, scope, depth + 1)
        return (Part("env", var, default, True),)

    def _is_env_object(self, name: str) -> bool:
        """`env = environ.Env()` (django-environ) and friends."""
        if not name:
            return False
        target = self.canonical(name)
        if target in {"environ.Env", "environs.Env"}:
            return True
        var = self.vars.get(("", name))
        return var is not None and var.kind == "env"

    def _qualify(self, name: str) -> str:
        canonical = self.canonical(name)
        if canonical != name:
            return canonical
        return f"{self.module}.{name}" if self.module else name

    def _canonical_attr(self, dotted: str, scope: Scope) -> str:
        head, _, rest = dotted.partition(".")
        if head.endswith("()") and head[:-2] in self.imports:  # get_settings().database_url
            return (
                f"{self.canonical(head[:-2])}().{rest}"
                if rest
                else f"{self.canonical(head[:-2])}()"
            )
        if head == "self" and scope.cls:
            attr, _, more = rest.partition(".")
            var = self.vars.get((scope.cls, attr))
            if var is not None and var.kind == "class":
                return f"{var.cls}().{more}" if more else f"{var.cls}()"
            return f"{self.module}.{scope.cls}.{rest}"
        var = self.vars.get((scope.function, head)) or self.vars.get(("", head))
        if var is not None and var.kind == "class":
            return f"{var.cls}().{rest}"
        if head in self.imports:
            return self.canonical(dotted)
        if (scope.function, head) not in self.locals and not scope.function:
            return f"{self.module}.{dotted}"
        if ("", head) in self.locals or head in self.app_vars:
            return f"{self.module}.{dotted}"
        return self.canonical(dotted)

    # -- assignments ---------------------------------------------------------------------------
    def _assign(self, node: ast.Assign | ast.AnnAssign, scope: Scope) -> None:
        value = node.value
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if value is None:
            return
        if self.migration_reader is not None:
            self.migration_reader.assign(node, not scope.function and not scope.cls)
        for target in targets:
            name = _dotted(target)
            if not name:
                if isinstance(target, ast.Subscript):
                    self._config_subscript(target, value, scope)
                continue
            self._bind(name, value, scope, target)

    def _bind(self, name: str, value: ast.expr, scope: Scope, target: ast.expr) -> None:
        patched = _TIMEOUT_PATCH_TARGETS.get(self.canonical(name))
        if patched:
            self.timeout_patched.add(patched)
        owner = scope.function
        if name.startswith("self.") and scope.cls:
            owner, name = scope.cls, name[5:]
        if isinstance(value, ast.Call):
            self._typed_var(owner, name, value, scope)
        if isinstance(value, ast.List | ast.Tuple) and not scope.function:
            self.lists[name] = value
            if name == "urlpatterns":
                self._django_patterns(value, scope)
        elif name == "urlpatterns" and isinstance(value, ast.BinOp) and not scope.function:
            self._urlpatterns_added(value)
        if isinstance(value, ast.Dict) and name == "DATABASES" and not scope.function:
            self._django_databases(value, scope)
        if isinstance(value, ast.Dict) and name == "REST_FRAMEWORK" and not scope.function:
            for k, v in zip(value.keys, value.values, strict=True):
                if _const_str(k) == "DEFAULT_PAGINATION_CLASS" and not (
                    isinstance(v, ast.Constant) and v.value is None
                ):
                    self.drf_default_pagination = True
        if name in {"SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_DATABASE_URL"}:
            self.databases.append(
                DatabaseUse(
                    "sqlalchemy", self.expr(value, scope), (), scope.function, self.locate(value)
                )
            )
        if scope.cls and not scope.function:
            if name == "__tablename__":
                table = _const_str(value)
                if table:
                    cls_node = self.classes.get(scope.cls)
                    columns = sqlalchemy_model_columns(cls_node) if cls_node is not None else ()
                    self.tables.append(
                        TableUse(
                            table.lower(),
                            "model",
                            self.locate(value),
                            "orm",
                            scope.cls,
                            columns=columns,
                        )
                    )
            elif name == "pagination_class":
                info = self.functions.get(scope.qualname)
                if info is not None:
                    off = isinstance(value, ast.Constant) and value.value is None
                    info.paginated = not off
                    info.pagination_off = off
            if scope.qualname in self.settings_classes:
                return
            self.bindings.append(
                Binding(
                    f"{self.module}.{scope.qualname}.{name}",
                    self.expr(value, scope),
                    self.locate(target),
                )
            )
            return
        if "." in name and owner != scope.cls:
            return
        if owner == scope.cls and scope.cls:
            if scope.function.endswith(".__init__") or scope.function.endswith("__init__"):
                self.bindings.append(
                    Binding(
                        f"{self.module}.{scope.cls}.{name}",
                        self.expr(value, scope),
                        self.locate(target),
                    )
                )
            return
        if not scope.function:
            expr = self.expr(value, scope)
            self.locals[("", name)] = expr
            self.bindings.append(Binding(f"{self.module}.{name}", expr, self.locate(target)))
        else:
            self.locals[(scope.function, name)] = self.expr(value, scope)

    def _typed_var(self, owner: str, name: str, call: ast.Call, scope: Scope) -> None:
        func = self.canonical(_dotted(call.func))
        short = func.rsplit(".", 1)[-1]
        # An app / router object.
        spec = _APP_CONSTRUCTORS.get(func) or (_APP_SHORT.get(short) if func == short else None)
        if spec is None and short.endswith("Router") and _kw(call, "prefix") is not None:
            # A project's APIRouter subclass (prefect's `PrefectRouter(prefix="/flows")`).
            spec = _APP_CONSTRUCTORS["fastapi.APIRouter"]
        if spec is not None and (owner == "" or owner == scope.function):
            framework, kind, prefix_kw = spec
            prefix = _kw(call, prefix_kw) if prefix_kw else None
            prefix_expr: Expr | None = self.expr(prefix, scope) if prefix is not None else None
            if short == "Namespace" and prefix is None and call.args:
                # flask-restx: Namespace("slots") serves under /slots unless path= says otherwise
                name_arg = _const_str(call.args[0])
                prefix_expr = Expr.lit("/" + name_arg) if name_arg else None
            app = App(name, framework, kind, prefix_expr, self.locate(call))
            self.apps.append(app)
            self.app_vars[name] = app
            host = (call.args[0] if call.args else None) or _kw(call, "app")
            if short == "Api" and framework == "flask" and isinstance(host, ast.Name):
                # flask-restx / flask-restful `Api(bp)`: the API serves under the blueprint
                self.mounts.append(
                    Mount(
                        self._owner_name(host.id),
                        name,
                        Expr((), ""),
                        self.locate(call),
                        "flask",
                    )
                )
            if framework == "starlette":
                routes = _kw(call, "routes")
                if routes is not None:
                    self._starlette_routes(routes, name, Expr.lit(""), scope)
            return
        var = self._client_var(func, call, scope)
        if var is not None:
            self.vars[(owner, name)] = var
            return
        if func in {"environ.Env", "environs.Env"}:
            self.vars[(owner, name)] = _ClientVar("env")
        elif short[:1].isupper() and func not in _DB_CONNECTS:
            cls = self._qualify_class(func)
            self.vars[(owner, name)] = _ClientVar("class", cls=cls)
            self._constructor_arguments(cls, call, scope)

    def _constructor_arguments(self, cls: str, call: ast.Call, scope: Scope) -> None:
        """`PaymentsClient(base_url=settings.payments_url)`: the value its __init__ receives."""
        loc = self.locate(call)
        for i, a in enumerate(call.args):
            if not isinstance(a, ast.Starred):
                self.bindings.append(Binding(f"{cls}.__init__.#{i}", self.expr(a, scope), loc))
        for kw in call.keywords:
            if kw.arg:
                self.bindings.append(
                    Binding(f"{cls}.__init__.{kw.arg}", self.expr(kw.value, scope), loc)
                )

    def _qualify_class(self, func: str) -> str:
        if "." in func or func in self.imports:
            return func
        return f"{self.module}.{func}" if self.module else func

    def _client_var(self, func: str, call: ast.Call, scope: Scope) -> _ClientVar | None:
        library = _HTTP_CLIENTS.get(func)
        if library is not None:
            base = _kw(call, "base_url")
            timeout_node = _kw(call, "timeout")
            timeout = ""
            if timeout_node is not None:
                timeout = (
                    "none"
                    if isinstance(timeout_node, ast.Constant) and timeout_node.value is None
                    else "given"
                )
            client = _ClientVar(
                "http",
                library,
                base_url=self.expr(base, scope) if base is not None else None,
                timeout=timeout,
                is_async=func in _ASYNC_CLIENTS,
                location=self.locate(call),
            )
            if id(call) not in self._client_nodes:
                self._client_nodes.add(id(call))
                self.http_clients.append(client)
            return client
        if func in _GRPC_CHANNELS:
            target = _arg(call, 0, "target")
            return _ClientVar("grpc-channel", "grpc", base_url=self.expr(target, scope))
        if func.endswith("Stub") and call.args:
            channel = _dotted(call.args[0])
            chan = self.vars.get((scope.function, channel)) or self.vars.get(("", channel))
            if chan is None and channel.startswith("self.") and scope.cls:
                chan = self.vars.get((scope.cls, channel[5:]))
            target_expr = (
                chan.base_url
                if chan is not None and chan.kind == "grpc-channel"
                else self.expr(call.args[0], scope)
            )
            return _ClientVar("grpc-stub", "grpc", cls=func, base_url=target_expr)
        if func in _KAFKA_PRODUCERS:
            return _ClientVar("kafka-producer", "kafka")
        if func in _KAFKA_CONSUMERS:
            self._kafka_consumer(call, scope)
            return _ClientVar("kafka-consumer", "kafka")
        if func in {"boto3.client", "boto3.resource", "aioboto3.Session.client"}:
            svc = _const_str(call.args[0]) if call.args else _const_str(_kw(call, "service_name"))
            if svc in {"sqs", "sns"}:
                return _ClientVar(svc)
        if _DB_CONNECTS.get(func) == "redis":
            return _ClientVar("redis", "redis")
        return None

    def _config_subscript(self, target: ast.Subscript, value: ast.expr, scope: Scope) -> None:
        key = _const_str(target.slice)
        if key == "DEFAULT_PAGINATION_CLASS" and _dotted(target.value) == "REST_FRAMEWORK":
            self.drf_default_pagination = not (
                isinstance(value, ast.Constant) and value.value is None
            )
        if key in {"SQLALCHEMY_DATABASE_URI", "DATABASE_URL"} and _dotted(target.value).endswith(
            "config"
        ):
            self.databases.append(
                DatabaseUse(
                    "sqlalchemy", self.expr(value, scope), (), scope.function, self.locate(value)
                )
            )

    def _augassign(self, node: ast.AugAssign) -> None:
        if _dotted(node.target) == "urlpatterns" and isinstance(node.op, ast.Add):
            self._urlpatterns_added(node.value)

    def _urlpatterns_added(self, node: ast.expr) -> None:
        """`urlpatterns = [...] + extra + router.urls`, `urlpatterns += static(...)`."""
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
                stack.extend((item.right, item.left))
            elif isinstance(item, ast.List | ast.Tuple):
                self._django_patterns(item, MODULE_SCOPE)
            elif isinstance(item, ast.Name) and isinstance(
                self.lists.get(item.id), ast.List | ast.Tuple
            ):
                self._django_patterns(self.lists[item.id], MODULE_SCOPE)  # type: ignore[arg-type]
            elif isinstance(item, ast.Attribute) and item.attr == "urls":
                self.mounts.append(
                    Mount(
                        f"urls:{self.module}",
                        "router:" + self._child_name(item.value, MODULE_SCOPE),
                        Expr.lit(""),
                        self.locate(item),
                        "django",
                    )
                )

    def _with(self, node: ast.With | ast.AsyncWith, scope: Scope) -> None:
        if self.migration_reader is not None:
            self.migration_reader.with_(node)
        for item in node.items:
            if isinstance(item.context_expr, ast.Call) and item.optional_vars is not None:
                name = _dotted(item.optional_vars)
                if name:
                    self._typed_var(scope.function, name, item.context_expr, scope)

    def _if(self, node: ast.If) -> None:
        test = node.test
        if (
            isinstance(test, ast.Compare)
            and _dotted(test.left) == "__name__"
            and any(_const_str(c) == "__main__" for c in test.comparators)
        ):
            self.entry_point = True

    # -- functions and classes -----------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> Scope:
        qual = f"{scope.qualname}.{node.name}" if scope.qualname else node.name
        info = _FunctionInfo(node, qual)
        self.functions[qual] = info
        is_async = isinstance(node, ast.AsyncFunctionDef)
        inner = Scope(qual, qual, scope.cls, is_async)
        self.params[qual] = _parameters(node.args, bool(scope.cls) and scope.function == "")
        # Parameters annotated with a class are typed variables (FastAPI Depends, DI).
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            ann = arg.annotation
            if ann is None:
                continue
            name = self.canonical(_dotted(ann))
            if name in _HTTP_CLIENTS:
                self.vars[(qual, arg.arg)] = _ClientVar(
                    "http",
                    _HTTP_CLIENTS[name],
                    is_async=name in _ASYNC_CLIENTS,
                    timeout="elsewhere",
                )
            elif (
                name
                and name.rsplit(".", 1)[-1][:1].isupper()
                and name not in {"Request", "Response"}
            ):
                self.vars[(qual, arg.arg)] = _ClientVar("class", cls=self._qualify_class(name))
        for dec in node.decorator_list:
            self._decorator(dec, node, qual, scope, is_async)
        return inner

    def _class(self, node: ast.ClassDef, scope: Scope) -> Scope:
        qual = f"{scope.qualname}.{node.name}" if scope.qualname else node.name
        self.functions[qual] = _FunctionInfo(node, qual)
        self.classes[qual] = node
        bases = [self.canonical(_dotted(b)) for b in node.bases]
        short_bases = {b.rsplit(".", 1)[-1] for b in bases}
        if "BaseSettings" in short_bases:
            self.settings_classes.add(qual)
            self._settings_class(node, qual, scope)
        if self._is_django_model(node, bases):
            self._django_model(node, qual)
        if self.migration_reader is not None and node.name == "Migration" and not scope.qualname:
            self.migration_reader.django_class(node)
        for dec in node.decorator_list:
            self._decorator(dec, node, qual, scope, False)
        return Scope(qual, "", qual, False)

    def _settings_class(self, node: ast.ClassDef, qual: str, scope: Scope) -> None:
        """pydantic BaseSettings: each field reads the environment variable of its name."""
        prefix = ""
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(_dotted(t) == "model_config" for t in stmt.targets)
                and isinstance(stmt.value, ast.Call)
            ):
                prefix = _const_str(_kw(stmt.value, "env_prefix")) or ""
            if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                for inner in stmt.body:
                    if isinstance(inner, ast.Assign) and any(
                        _dotted(t) == "env_prefix" for t in inner.targets
                    ):
                        prefix = _const_str(inner.value) or ""
        for stmt in node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            field_name = stmt.target.id
            if field_name == "model_config":
                continue
            default_node = stmt.value
            env_name = f"{prefix}{field_name}".upper()
            if isinstance(default_node, ast.Call) and self.canonical(
                _dotted(default_node.func)
            ).endswith("Field"):
                alias = (
                    _const_str(_kw(default_node, "env"))
                    or _const_str(_kw(default_node, "validation_alias"))
                    or _const_str(_kw(default_node, "alias"))
                )
                if alias:
                    env_name = alias.upper()
                default_node = _arg(default_node, 0, "default")
                if isinstance(default_node, ast.Constant) and default_node.value is Ellipsis:
                    default_node = None
            scope_in = Scope(qual, "", qual, False)
            if default_node is None:
                part = Part("env", env_name)
            else:
                part = Part("env", env_name, self._parts(default_node, scope_in, 1), True)
            self.bindings.append(
                Binding(
                    f"{self.module}.{qual}.{field_name}",
                    Expr((part,), field_name),
                    self.locate(stmt.target),
                )
            )

    def _is_django_model(self, node: ast.ClassDef, bases: list[str]) -> bool:
        for b in bases:
            if b in {"django.db.models.Model", "models.Model"} or b.endswith("models.Model"):
                return True
        if not self.is_django or (
            "models" not in self.path.split("/")[-1] and "/models/" not in self.path
        ):
            return False
        return any(b.rsplit(".", 1)[-1].endswith("Model") and "Serializer" not in b for b in bases)

    def _django_model(self, node: ast.ClassDef, qual: str) -> None:
        table = ""
        for stmt in node.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
                for inner in stmt.body:
                    if isinstance(inner, ast.Assign):
                        names = {_dotted(t) for t in inner.targets}
                        if (
                            "abstract" in names
                            and isinstance(inner.value, ast.Constant)
                            and inner.value.value is True
                        ):
                            return
                        if (
                            "proxy" in names
                            and isinstance(inner.value, ast.Constant)
                            and inner.value.value is True
                        ):
                            return
                        if "db_table" in names:
                            table = _const_str(inner.value) or ""
        if not table:
            table = f"{self.app_label}_{node.name.lower()}" if self.app_label else node.name.lower()
        self.tables.append(
            TableUse(
                table.lower(),
                "model",
                self.locate(node),
                "orm",
                qual,
                columns=django_model_columns(node),
            )
        )

    # -- decorators: routes and tasks ------------------------------------------------------------
    def _decorator(
        self,
        dec: ast.expr,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
        qual: str,
        scope: Scope,
        is_async: bool,
    ) -> None:
        call = dec if isinstance(dec, ast.Call) else None
        target = call.func if call is not None else dec
        dotted = _dotted(target)
        if not dotted:
            return
        owner, _, method = dotted.rpartition(".")
        canonical = self.canonical(dotted)
        short = canonical.rsplit(".", 1)[-1]
        info = self.functions[qual]
        # Celery tasks.
        if short in {"task", "shared_task"} and (owner or canonical.startswith("celery")):
            name_node = _kw(call, "name") if call is not None else None
            task = _const_str(name_node) or f"{self.module}.{qual}"
            self.brokers.append(
                BrokerUse("celery", "consume", Expr.lit(task), qual, self.locate(node))
            )
            return
        if short in {"api_view", "require_http_methods"} and call is not None and call.args:
            self._set_methods(qual, tuple(m.upper() for m in _str_list(call.args[0])))
            return
        if short in {"require_GET", "require_POST", "require_safe"}:
            self._set_methods(qual, ("POST",) if short == "require_POST" else ("GET",))
            return
        if short == "action" and call is not None:
            detail = _kw(call, "detail")
            methods = tuple(m.upper() for m in _str_list(_kw(call, "methods"))) or ("GET",)
            url_path = _const_str(_kw(call, "url_path")) or node.name
            is_detail = isinstance(detail, ast.Constant) and detail.value is True
            if scope.cls:
                self._viewset_extra.setdefault(scope.cls, []).append(
                    f"{'detail' if is_detail else 'collection'}:{','.join(methods)}:{url_path}"
                )
            return
        if short in {"marshal_list_with"} or (
            short == "marshal_with"
            and call is not None
            and isinstance(_kw(call, "as_list"), ast.Constant)
        ):
            info.returns_list = True
            return
        if short == "response" and call is not None:
            for a in [*call.args, *(k.value for k in call.keywords)]:
                many = _kw(a, "many") if isinstance(a, ast.Call) else None
                if isinstance(many, ast.Constant) and many.value is True:
                    info.returns_list = True
            return
        if short == "paginate":
            info.paginated = True
            return
        if not owner or (call is None and method != "view"):
            return
        if method == "route" or method in _VERBS or method in {"api_route", "view", "websocket"}:
            self._decorator_route(call, node, qual, owner, method, is_async)

    def _set_methods(self, qual: str, methods: tuple[str, ...]) -> None:
        self._view_methods[qual] = methods

    def _decorator_route(
        self,
        call: ast.Call | None,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
        qual: str,
        owner: str,
        method: str,
        is_async: bool,
    ) -> None:
        path_node = _arg(call, 0, "path") if call is not None else None
        if path_node is None and call is not None:
            path_node = _kw(call, "rule")
        if path_node is None:
            return
        path_str = _const_str(path_node)
        app = self.app_vars.get(owner)
        if app is None and owner not in self.imports:
            # An unknown receiver: accept only what looks like a route path.
            if path_str is None or not (path_str.startswith("/") or path_str == ""):
                return
            if self._looks_like_non_router(owner):
                return
        framework = app.framework if app else self._guess_framework()
        if isinstance(node, ast.ClassDef):
            methods = self._class_methods(node)
            handler = qual
        elif method in _VERBS:
            methods = (method.upper(),)
            handler = qual
        else:
            methods = tuple(m.upper() for m in _str_list(_kw(call, "methods") if call else None))
            if not methods:
                methods = ("GET",) if method != "websocket" else ("WEBSOCKET",)
            handler = qual
        returns = ""
        returns_list = False
        if call is not None:
            model = _kw(call, "response_model")
            if model is not None:
                returns = _short(ast.unparse(model))
                returns_list = _is_list_annotation(model)
        if (
            not returns
            and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.returns is not None
        ):
            returns = _short(ast.unparse(node.returns))
            returns_list = _is_list_annotation(node.returns)
        query: tuple[str, ...] = ()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and framework in {
            "fastapi",
            "sanic",
        }:
            query = self._fastapi_query(node, path_str or "")
        self.routes.append(
            Route(
                owner=self._owner_name(owner),
                methods=methods,
                path=self.expr(path_node, MODULE_SCOPE),
                handler=handler,
                location=self.locate(node.decorator_list[0] if node.decorator_list else node),
                framework=framework,
                is_async=is_async,
                query_params=query,
                returns=returns,
                returns_list=returns_list,
            )
        )

    def _owner_name(self, owner: str) -> str:
        if owner.endswith(".router") and owner[:-7] in self.app_vars:
            owner = owner[:-7]  # aiohttp / FastAPI: app.router.add_get(...) registers on app
        if owner in self.app_vars:
            return f"{self.module}.{owner}"
        return (
            self.canonical(owner)
            if owner.split(".", 1)[0] in self.imports
            else f"{self.module}.{owner}"
        )

    @staticmethod
    def _looks_like_non_router(owner: str) -> bool:
        low = owner.lower()
        return any(
            w in low
            for w in (
                "cache",
                "mock",
                "click",
                "cli",
                "parser",
                "pytest",
                "session",
                "client",
                "requests",
            )
        )

    def _guess_framework(self) -> str:
        heads = {t.split(".", 1)[0] for t in self.imports.values()}
        for fw in ("fastapi", "flask", "aiohttp", "starlette", "sanic", "quart"):
            if fw in heads:
                return "flask" if fw == "quart" else fw
        if "flask_smorest" in heads or "flask_restx" in heads:
            return "flask"
        return "unknown"

    def _class_methods(self, node: ast.ClassDef) -> tuple[str, ...]:
        names = [
            s.name.upper()
            for s in node.body
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name in _VERBS
        ]
        return tuple(names) or ("GET",)

    def _fastapi_query(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, path: str
    ) -> tuple[str, ...]:
        out: list[str] = []
        args = node.args
        all_args = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        defaults: dict[str, ast.expr] = {}
        positional = [*args.posonlyargs, *args.args]
        for a, d in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            defaults[a.arg] = d
        for a, kd in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kd is not None:
                defaults[a.arg] = kd
        for a in all_args:
            if a.arg in {"self", "request", "response", "background_tasks"} or "{" + a.arg in path:
                continue
            default = defaults.get(a.arg)
            if isinstance(default, ast.Call):
                kind = _dotted(default.func).rsplit(".", 1)[-1]
                if kind == "Query":
                    out.append(a.arg)
                continue  # Depends, Body, Header, Path, …
            ann = a.annotation
            base = ann
            if isinstance(ann, ast.Subscript) and _dotted(ann.value).rsplit(".", 1)[-1] in {
                "Optional",
                "Annotated",
            }:
                inner = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
                if any(
                    isinstance(x, ast.Call) and _dotted(x.func).rsplit(".", 1)[-1] == "Query"
                    for x in inner
                ):
                    out.append(a.arg)
                    continue
                if any(isinstance(x, ast.Call) for x in inner):
                    continue
                base = inner[0]
            if isinstance(base, ast.BinOp):  # int | None
                base = base.left
            name = _dotted(base).rsplit(".", 1)[-1] if base is not None else ""
            if (
                base is None
                or name in {"int", "str", "bool", "float", "UUID", "date", "datetime"}
                or _is_list_annotation(base)
            ):
                out.append(a.arg)
        return tuple(out)

    # -- calls -----------------------------------------------------------------------------------
    def _call(self, node: ast.Call, scope: Scope) -> None:
        dotted = _dotted(node.func)
        canonical = self.canonical(dotted)
        func_info = self.functions.get(scope.function) if scope.function else None
        many = _kw(node, "many")
        if (
            func_info is not None
            and isinstance(many, ast.Constant)
            and many.value is True
            and id(node) not in self._nested_calls
        ):
            self._returns_list_through(scope.function)
        if func_info is not None and dotted:
            callee = self._callee(dotted, scope)
            if callee:
                func_info.calls.add(callee)
                if scope.is_async:
                    func_info.call_sites.append((callee, node.lineno, node.col_offset + 1))
        if self.migration_reader is not None:
            self.tables.extend(
                tables_from_migration_call(node, self.migration, self.app_label, self.locate)
            )
            self.migration_reader.call(node, scope.function)
        if canonical == "socket.setdefaulttimeout" and node.args:
            arg = node.args[0]
            if not (isinstance(arg, ast.Constant) and arg.value is None):
                self.timeout_patched.update(_SOCKET_DEFAULT_TIMEOUT_LIBRARIES)
        owner, _, method = dotted.rpartition(".")
        if canonical in _HTTP_CLIENTS and id(node) not in self._client_nodes:
            self._client_var(canonical, node, scope)  # a client built outside an assignment
        if scope.function:
            category = _BLOCKING.get(canonical)
            if category is None and scope.is_async and _is_sync_orm_call(dotted):
                category = "orm"
            if (
                category is None
                and canonical.split(".", 1)[0] == "requests"
                and canonical.rsplit(".", 1)[-1] in {*_VERBS, "request"}
            ):
                category = "http"
            if (
                category is None
                and canonical.rsplit(".", 1)[0] == "httpx"
                and canonical.rsplit(".", 1)[-1] in {*_VERBS, "request"}
            ):
                category = "http"
            if category is not None:
                self.blocking.append(
                    BlockingCall(
                        canonical, category, scope.function, self.locate(node), scope.is_async
                    )
                )
        # Module-level HTTP functions: requests.get, httpx.post, urllib.request.urlopen, …
        head, _, fname = canonical.rpartition(".")
        if head in _HTTP_FUNCS and (fname in _VERBS or fname in {"request", "stream"}):
            self._http_call(node, scope, _HTTP_FUNCS[head], fname, None, head == "aiohttp")
        elif canonical in {"urllib.request.urlopen", "urllib3.request"}:
            self._http_call(
                node,
                scope,
                canonical.split(".", 1)[0],
                "request" if canonical == "urllib3.request" else "GET",
                None,
                False,
            )
        elif canonical in _DB_CONNECTS:
            self._database(canonical, node, scope)
        elif canonical in {"sqlalchemy.Table", "Table"} and len(node.args) >= 2:
            table = _const_str(node.args[0])
            if table:
                self.tables.append(
                    TableUse(
                        table.lower(),
                        "model",
                        self.locate(node.args[0]),
                        "orm",
                        table,
                        columns=sqlalchemy_table_columns(node),
                    )
                )
        elif canonical.rsplit(".", 1)[-1] == "ForeignKey" and not self.migration:
            ref = _const_str(node.args[0]) if node.args else None
            if (ref and "." in ref and canonical.startswith("sqlalchemy")) or (
                ref and "." in ref and "sqlalchemy" in self.imports.values().__str__()
            ):
                assert ref is not None
                self.tables.append(
                    TableUse(ref.rsplit(".", 1)[0].lower(), "reference", self.locate(node), "orm")
                )
        if owner:
            if method in {
                "include_router",
                "register_blueprint",
                "add_namespace",
                "add_subapp",
                "mount",
                "add_api",
                "register",
                "add_routes",
                "add_url_rule",
                "add_api_route",
                "add_get",
                "add_post",
                "add_put",
                "add_patch",
                "add_delete",
                "add_route",
                "add_view",
                "add_resource",
                "send_task",
                "add_insecure_port",
                "add_secure_port",
            } or (method.startswith("add_") and method.endswith("_to_server")):
                self._registration(node, owner, method, scope)
            if isinstance(
                node.func, ast.Attribute
            ):  # not `factory()()`: its dotted name has a dot too
                # The variable as bound now: a later `async with … as s` may rebind the name.
                head = _dotted(node.func.value).partition(".")[0]
                key = (scope.function, head) if (scope.function, head) in self.vars else ("", head)
                self.pending.append((node, scope, key, self.vars.get(key)))

    def _returns_list_through(self, qualname: str) -> None:
        """`Serializer(qs, many=True)` in a function (or a function nested in it): the view
        returns a list."""
        parts = qualname.split(".")
        for end in range(len(parts), 0, -1):
            info = self.functions.get(".".join(parts[:end]))
            if info is not None and not isinstance(info.node, ast.ClassDef):
                info.returns_list = True

    def _callee(self, dotted: str, scope: Scope) -> str:
        head, _, rest = dotted.partition(".")
        if head == "self" and scope.cls:
            attr, _, more = rest.partition(".")
            var = self.vars.get((scope.cls, attr))
            if var is not None and var.kind == "class" and more:
                return f"{var.cls}.{more}"
            return f"{self.module}.{scope.cls}.{rest}"
        if head in {"super()", "cls"}:
            return ""
        var = self.vars.get((scope.function, head)) or self.vars.get(("", head))
        if var is not None and var.kind == "class":
            return f"{var.cls}.{rest}" if rest else ""
        if head in self.imports:
            return self.canonical(dotted)
        if not rest:
            return f"{self.module}.{head}" if self.module else head
        if head in self.functions:
            return f"{self.module}.{dotted}"
        return ""

    def _http_call(
        self,
        node: ast.Call,
        scope: Scope,
        library: str,
        method: str,
        client: _ClientVar | None,
        via_async_client: bool,
    ) -> None:
        if method in {"request", "stream"} and library != "urllib":
            verb = _const_str(_arg(node, 0, "method"))
            url_node = _arg(node, 1, "url")
            method = (verb or "?").upper()
        else:
            url_node = _arg(node, 0, "url")
            if url_node is None:
                url_node = _kw(node, "fullurl")
        if url_node is None:
            return
        timeout = self._timeout(node, library, client, scope)
        self.calls.append(
            OutboundCall(
                library=library,
                method=method.upper(),
                url=self.expr(url_node, scope),
                base_url=client.base_url if client is not None else None,
                function=scope.function,
                location=self.locate(node),
                is_async=via_async_client or (client is not None and client.is_async),
                timeout=timeout,
                in_async_function=scope.is_async,
                # Set when the timeout comes from the client, so it is reported once there.
                client_location=(
                    client.location if client is not None and _kw(node, "timeout") is None else None
                ),
            )
        )

    def _timeout(
        self, node: ast.Call, library: str, client: _ClientVar | None, scope: Scope
    ) -> str:
        value = _kw(node, "timeout")
        if value is not None:
            if isinstance(value, ast.Constant) and value.value is None:
                return "none"
            return "given"
        if library == "urllib" and len(node.args) >= 3:
            return "given"
        for kw in node.keywords:
            if kw.arg is None:  # **kwargs: given if built nearby with a timeout, or unknowable
                if isinstance(kw.value, ast.Dict):
                    if any(_const_str(k) == "timeout" for k in kw.value.keys):
                        return "given"
                    continue
                return "given"
        if client is not None and client.timeout:
            return client.timeout
        if library in {"httpx", "aiohttp"}:
            return "default"
        return "missing"

    def _registration(self, node: ast.Call, owner: str, method: str, scope: Scope) -> None:
        loc = self.locate(node)
        fw = self.app_vars[owner].framework if owner in self.app_vars else self._guess_framework()
        parent = self._owner_name(owner)
        if method in {"include_router", "register_blueprint", "add_namespace"}:
            child = node.args[0] if node.args else _kw(node, "router") or _kw(node, "blueprint")
            if child is None:
                return
            prefix = _kw(node, "prefix") or _kw(node, "url_prefix") or _kw(node, "path")
            self.mounts.append(
                Mount(
                    parent,
                    self._child_name(child, scope),
                    self.expr(prefix, scope) if prefix is not None else Expr((), ""),
                    loc,
                    fw,
                )
            )
        elif method in {"add_subapp", "mount"} and len(node.args) >= 2:
            self.mounts.append(
                Mount(
                    parent,
                    self._child_name(node.args[1], scope),
                    self.expr(node.args[0], scope),
                    loc,
                    fw,
                )
            )
        elif method == "add_api" and owner in self.app_vars:
            spec = _const_str(_arg(node, 0, "specification"))
            app = self.app_vars[owner]
            base = _kw(node, "base_path")
            updated = App(
                app.var,
                app.framework,
                app.kind,
                self.expr(base, scope) if base is not None else app.prefix,
                app.location,
                spec or "",
            )
            self.apps = [updated if a is app else a for a in self.apps]
            self.app_vars[owner] = updated
        elif (
            method == "register"
            and len(node.args) >= 2
            and (owner in self.app_vars and self.app_vars[owner].framework == "drf")
        ):
            self.routes.append(
                Route(
                    parent,
                    (),
                    self.expr(node.args[0], scope),
                    self._child_name(node.args[1], scope),
                    loc,
                    "drf-viewset",
                )
            )
        elif method == "add_routes" and node.args:
            table = node.args[0]
            if isinstance(table, ast.Name) and table.id in self.lists:
                table = self.lists[table.id]
            if isinstance(table, ast.List | ast.Tuple):
                for item in table.elts:
                    if isinstance(item, ast.Call):
                        verb = _dotted(item.func).rsplit(".", 1)[-1]
                        if verb in _VERBS or verb in {"route", "view"}:
                            self._plain_route(item, parent, verb, 0, 1, scope, "aiohttp")
            elif isinstance(table, ast.Name):
                self.mounts.append(
                    Mount(parent, self._child_name(table, scope), Expr.lit(""), loc, "aiohttp")
                )
        elif method in {"add_get", "add_post", "add_put", "add_patch", "add_delete"}:
            self._plain_route(node, parent, method[4:], 0, 1, scope, "aiohttp")
        elif method in {"add_route"} and len(node.args) >= 3:
            self._plain_route(node, parent, "route", 1, 2, scope, "aiohttp")
        elif method == "add_view":
            self._plain_route(node, parent, "view", 0, 1, scope, "aiohttp")
        elif method == "add_api_route":
            self._plain_route(node, parent, "api_route", 0, 1, scope, fw)
        elif method == "add_url_rule":
            self._plain_route(node, parent, "url_rule", 0, 2, scope, fw)
        elif method == "add_resource" and len(node.args) >= 2:
            cls = self._child_name(node.args[0], scope)
            for url in node.args[1:]:
                if isinstance(url, ast.Constant):
                    self.routes.append(
                        Route(parent, (), self.expr(url, scope), cls, loc, "flask-class")
                    )
        elif method == "send_task":
            name = _arg(node, 0, "name")
            if name is not None:
                self.brokers.append(
                    BrokerUse("celery", "produce", self.expr(name, scope), scope.function, loc)
                )
        elif method.endswith("_to_server") and node.args:
            servicer = method[4:-10]  # add_RoutingServicer_to_server → RoutingServicer
            self.apps.append(App(f"grpc:{servicer}", "grpc", "app", None, loc))

    def _plain_route(
        self,
        node: ast.Call,
        parent: str,
        verb: str,
        path_i: int,
        handler_i: int,
        scope: Scope,
        framework: str,
    ) -> None:
        path_node = _arg(node, path_i, "path") or _arg(node, path_i, "rule")
        handler_node = (
            _arg(node, handler_i, "handler") or _kw(node, "view_func") or _kw(node, "endpoint")
        )
        if path_node is None or handler_node is None:
            return
        if (
            isinstance(handler_node, ast.Call)
            and isinstance(handler_node.func, ast.Attribute)
            and handler_node.func.attr == "as_view"
        ):
            handler_node = handler_node.func.value
        handler = self._child_name(handler_node, scope)
        methods: tuple[str, ...]
        if verb == "route":
            methods = ((_const_str(node.args[0]) or "*").upper(),)
        elif verb in _VERBS:
            methods = (verb.upper(),)
        else:
            methods = tuple(m.upper() for m in _str_list(_kw(node, "methods")))
        self.routes.append(
            Route(
                parent,
                methods,
                self.expr(path_node, scope),
                handler,
                self.locate(node),
                framework,
            )
        )

    def _app_factory(self, function: str, app: App, node: ast.Return) -> None:
        """`def create_app(): api = web.Application(); …; return api`: the factory stands for
        the app it builds, so `add_subapp("/v2", create_app())` mounts that app."""
        if function in self.app_vars:
            return
        factory = App(function, app.framework, "router", None, self.locate(node))
        self.apps.append(factory)
        self.app_vars[function] = factory
        self.mounts.append(
            Mount(
                f"{self.module}.{function}" if self.module else function,
                f"{self.module}.{app.var}" if self.module else app.var,
                Expr((), ""),
                self.locate(node),
                app.framework,
            )
        )

    def _child_name(self, node: ast.AST, scope: Scope) -> str:
        if isinstance(node, ast.Call) and not node.args and not node.keywords:
            node = node.func  # a factory call: `add_subapp("/v2", create_api_app())`
        dotted = _dotted(node)
        if not dotted:
            return ""
        head = dotted.split(".", 1)[0]
        if head in self.imports:
            return self.canonical(dotted)
        return f"{self.module}.{dotted}" if self.module else dotted

    def _starlette_routes(self, node: ast.AST, owner: str, prefix: Expr, scope: Scope) -> None:
        if isinstance(node, ast.Name) and node.id in self.lists:
            node = self.lists[node.id]
        if not isinstance(node, ast.List | ast.Tuple):
            return
        for item in node.elts:
            if not isinstance(item, ast.Call):
                continue
            kind = _dotted(item.func).rsplit(".", 1)[-1]
            path_node = _arg(item, 0, "path")
            if path_node is None:
                continue
            path = concat(prefix, self.expr(path_node, scope))
            if kind in {"Route", "WebSocketRoute"}:
                endpoint = _arg(item, 1, "endpoint")
                if endpoint is None:
                    continue
                methods = tuple(m.upper() for m in _str_list(_kw(item, "methods"))) or ("GET",)
                self.routes.append(
                    Route(
                        f"{self.module}.{owner}",
                        methods,
                        path,
                        self._child_name(endpoint, scope),
                        self.locate(item),
                        "starlette",
                    )
                )
            elif kind == "Mount":
                routes = _kw(item, "routes")
                if routes is not None:
                    self._starlette_routes(routes, owner, path, scope)
                app = _kw(item, "app") or (item.args[1] if len(item.args) > 1 else None)
                if app is not None:
                    self.mounts.append(
                        Mount(
                            f"{self.module}.{owner}",
                            self._child_name(app, scope),
                            path,
                            self.locate(item),
                            "starlette",
                        )
                    )

    def _django_patterns(
        self, node: ast.List | ast.Tuple, scope: Scope, owner: str = "", depth: int = 0
    ) -> None:
        """path()/re_path() entries of a URLconf; `owner` names a nested list (include([...]) or
        include(extra_patterns)), whose routes are mounted under the include's prefix."""
        owner = owner or f"urls:{self.module}"
        for item in node.elts:
            if not isinstance(item, ast.Call):
                continue
            kind = _dotted(item.func).rsplit(".", 1)[-1]
            if kind not in {"path", "re_path", "url"} or len(item.args) < 2:
                continue
            route = self.expr(item.args[0], scope)
            if kind != "path":
                route = Expr(
                    tuple(
                        Part(p.kind, "re:" + p.value) if p.kind == "lit" else p for p in route.parts
                    ),
                    route.text,
                )
            view = item.args[1]
            loc = self.locate(item)
            if (
                isinstance(view, ast.Call)
                and _dotted(view.func).rsplit(".", 1)[-1] == "include"
                and view.args
            ):
                target = view.args[0]
                if isinstance(target, ast.Tuple) and target.elts:
                    target = target.elts[0]
                mod = _const_str(target)
                nested: ast.expr | None = None
                if mod is not None:
                    child = mod
                elif isinstance(target, ast.Attribute) and target.attr == "urls":
                    child = "router:" + self._child_name(target.value, scope)
                elif isinstance(target, ast.Name) and target.id in self.lists:
                    child = f"list:{self.module}.{target.id}"
                    nested = self.lists[target.id]
                elif isinstance(target, ast.List | ast.Tuple):
                    child = f"list:{self.module}@{target.lineno}:{target.col_offset}"
                    nested = target
                else:
                    child = self._child_name(target, scope)
                self.mounts.append(Mount(owner, child, route, loc, "django"))
                if isinstance(nested, ast.List | ast.Tuple) and depth < 20:
                    self._django_patterns(nested, scope, child, depth + 1)
                continue
            if isinstance(view, ast.Attribute) and view.attr == "urls":
                self.mounts.append(
                    Mount(
                        owner,
                        "router:" + self._child_name(view.value, scope),
                        route,
                        loc,
                        "django",
                    )
                )
                continue
            if (
                isinstance(view, ast.Call)
                and isinstance(view.func, ast.Attribute)
                and view.func.attr == "as_view"
            ):
                actions = view.args[0] if view.args else None
                handler = self._child_name(view.func.value, scope)
                methods: tuple[str, ...] = ()
                if isinstance(actions, ast.Dict):
                    methods = tuple(
                        (_const_str(k) or "").upper() for k in actions.keys if k is not None
                    )
                self.routes.append(Route(owner, methods, route, handler, loc, "django"))
                continue
            handler = self._child_name(view, scope)
            if handler:
                self.routes.append(Route(owner, (), route, handler, loc, "django"))

    def _django_databases(self, node: ast.Dict, scope: Scope) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            alias = _const_str(key) or ""
            loc = self.locate(value)
            if isinstance(value, ast.Dict):
                fields: list[tuple[str, Expr]] = []
                for k, v in zip(value.keys, value.values, strict=True):
                    name = (_const_str(k) or "").lower()
                    if name in {"engine", "name", "host", "port", "user"}:
                        fields.append((name, self.expr(v, scope)))
                self.databases.append(DatabaseUse("django", None, tuple(fields), "", loc, alias))
            else:
                dsn_node: ast.expr = value
                if isinstance(value, ast.Call):
                    func = self.canonical(_dotted(value.func))
                    if func.rsplit(".", 1)[-1] in {"config", "parse"} and "dj_database_url" in func:
                        if func.endswith("parse") and value.args:
                            dsn_node = value.args[0]
                        if func.endswith("config"):
                            env = _kw(value, "env")
                            var = _const_str(env) or "DATABASE_URL"
                            default = _kw(value, "default")
                            parts = (
                                (Part("env", var, self._parts(default, scope, 1), True),)
                                if default is not None
                                else (Part("env", var),)
                            )
                            self.databases.append(
                                DatabaseUse(
                                    "django",
                                    Expr(parts, "dj_database_url.config()"),
                                    (),
                                    "",
                                    loc,
                                    alias,
                                )
                            )
                            continue
                self.databases.append(
                    DatabaseUse("django", self.expr(dsn_node, scope), (), "", loc, alias)
                )

    def _database(self, canonical: str, node: ast.Call, scope: Scope) -> None:
        driver = _DB_CONNECTS[canonical]
        dsn_node: ast.expr | None = (
            node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
        )
        if dsn_node is None:
            for name in ("dsn", "url", "conninfo", "database_url"):
                dsn_node = _kw(node, name)
                if dsn_node is not None:
                    break
        if (
            driver in {"pymysql", "redis", "pymongo"}
            and dsn_node is not None
            and canonical.rsplit(".", 1)[-1]
            not in {"from_url", "MongoClient", "AsyncIOMotorClient"}
        ):
            # redis.Redis("localhost", 6379) / pymysql.connect("host", …): positional host.
            dsn_node = None if not (_const_str(dsn_node) or "").count("://") else dsn_node
        fields = tuple(
            (label, self.expr(_kw(node, kw), scope))
            for kw, label in _DB_FIELD_KWARGS.items()
            if _kw(node, kw) is not None
        )
        if driver == "sqlite3" and dsn_node is not None:
            fields = (("name", self.expr(dsn_node, scope)),)
            dsn_node = None
        self.databases.append(
            DatabaseUse(
                driver,
                self.expr(dsn_node, scope) if dsn_node is not None else None,
                fields,
                scope.function,
                self.locate(node),
            )
        )

    def _kafka_consumer(self, call: ast.Call, scope: Scope) -> None:
        for a in call.args:
            if isinstance(a, ast.Starred):
                continue
            topic = _const_str(a)
            if topic is not None or isinstance(a, ast.Name | ast.Attribute | ast.JoinedStr):
                self.brokers.append(
                    BrokerUse(
                        "kafka", "consume", self.expr(a, scope), scope.function, self.locate(call)
                    )
                )

    # -- method calls, resolved after the walk (receiver types are known by then) ------------------
    def _pending(self, node: ast.Call, scope: Scope) -> None:
        func = node.func
        assert isinstance(func, ast.Attribute)
        method = func.attr
        receiver = _dotted(func.value)
        var = self._receiver(receiver, scope)
        loc = self.locate(node)
        if var is not None and var.kind == "http":
            if method in _VERBS or method in {"request", "stream"}:
                self._http_call(node, scope, var.library, method, var, var.is_async)
                if scope.is_async and not var.is_async:
                    self.blocking.append(
                        BlockingCall(f"{var.library}.{method}", "http", scope.function, loc)
                    )
            elif (
                method == "mount"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Call)
                and _kw(node.args[1], "timeout") is not None
            ):
                var.timeout = var.timeout or "given"
            return
        if var is not None and var.kind == "grpc-stub" and method[:1].isupper():
            timeout = _kw(node, "timeout")
            status = (
                "missing"
                if timeout is None
                else (
                    "none"
                    if isinstance(timeout, ast.Constant) and timeout.value is None
                    else "given"
                )
            )
            self.calls.append(
                OutboundCall(
                    "grpc",
                    method,
                    var.base_url or Expr((), ""),
                    None,
                    scope.function,
                    loc,
                    scope.is_async,
                    status,
                    scope.is_async,
                )
            )
            return
        topic_node = (
            node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
        )
        if method in {"send_and_wait", "produce"} or (
            method == "send" and var is not None and var.kind == "kafka-producer"
        ):
            topic_node = _arg(node, 0, "topic")
            if topic_node is not None:
                self.brokers.append(
                    BrokerUse("kafka", "produce", self.expr(topic_node, scope), scope.function, loc)
                )
        elif method == "subscribe" and topic_node is not None:
            if isinstance(topic_node, ast.List | ast.Tuple):
                for t in topic_node.elts:
                    self.brokers.append(
                        BrokerUse("kafka", "consume", self.expr(t, scope), scope.function, loc)
                    )
            else:
                broker = "kafka" if var is not None and var.kind == "kafka-consumer" else "redis"
                for a in node.args:
                    self.brokers.append(
                        BrokerUse(broker, "consume", self.expr(a, scope), scope.function, loc)
                    )
        elif method in {"basic_publish"}:
            key = _kw(node, "routing_key") or (node.args[1] if len(node.args) > 1 else None)
            exchange = _kw(node, "exchange") or (node.args[0] if node.args else None)
            target = key if _const_str(exchange) in {"", None} else exchange
            if target is not None:
                self.brokers.append(
                    BrokerUse("rabbitmq", "produce", self.expr(target, scope), scope.function, loc)
                )
        elif method in {"basic_consume"}:
            queue = _kw(node, "queue") or topic_node
            if queue is not None:
                self.brokers.append(
                    BrokerUse("rabbitmq", "consume", self.expr(queue, scope), scope.function, loc)
                )
        elif method == "publish":
            if _kw(node, "routing_key") is not None:
                self.brokers.append(
                    BrokerUse(
                        "rabbitmq",
                        "produce",
                        self.expr(_kw(node, "routing_key"), scope),
                        scope.function,
                        loc,
                    )
                )
            elif _kw(node, "TopicArn") is not None:
                self.brokers.append(
                    BrokerUse(
                        "sns",
                        "produce",
                        self.expr(_kw(node, "TopicArn"), scope),
                        scope.function,
                        loc,
                    )
                )
            elif var is not None and var.kind == "redis" and topic_node is not None:
                self.brokers.append(
                    BrokerUse("redis", "produce", self.expr(topic_node, scope), scope.function, loc)
                )
        elif method == "declare_queue" and topic_node is not None:
            self.brokers.append(
                BrokerUse("rabbitmq", "consume", self.expr(topic_node, scope), scope.function, loc)
            )
        elif method == "xadd" and topic_node is not None:
            self.brokers.append(
                BrokerUse("redis", "produce", self.expr(topic_node, scope), scope.function, loc)
            )
        elif (
            method in {"send_message", "send_message_batch"}
            and var is not None
            and var.kind == "sqs"
        ):
            q = _kw(node, "QueueUrl")
            if q is not None:
                self.brokers.append(
                    BrokerUse("sqs", "produce", self.expr(q, scope), scope.function, loc)
                )
        elif method == "receive_message" and var is not None and var.kind == "sqs":
            q = _kw(node, "QueueUrl")
            if q is not None:
                self.brokers.append(
                    BrokerUse("sqs", "consume", self.expr(q, scope), scope.function, loc)
                )
        elif method in {"delay", "apply_async", "s", "si", "signature"} and receiver:
            callee = self._callee(receiver, scope)
            # `inspect.signature(fn)` is not a Celery task signature
            if callee and callee.split(".", 1)[0] not in sys.stdlib_module_names:
                self.brokers.append(
                    BrokerUse(
                        "celery",
                        "produce",
                        Expr((Part("name", "task:" + callee),), receiver),
                        scope.function,
                        loc,
                    )
                )

    def _receiver(self, receiver: str, scope: Scope) -> _ClientVar | None:
        if not receiver:
            return None
        if receiver.startswith("self.") and scope.cls:
            return self.vars.get((scope.cls, receiver[5:]))
        return self.vars.get((scope.function, receiver)) or self.vars.get(("", receiver))

    # -- bodies: returns and query reads -----------------------------------------------------------
    def _return(self, node: ast.Return, scope: Scope) -> None:
        info = self.functions.get(scope.function) if scope.function else None
        value = node.value
        if info is None or value is None:
            return
        if isinstance(value, ast.Name) and value.id in self.app_vars and "." not in scope.function:
            self._app_factory(scope.function, self.app_vars[value.id], node)
            return
        if isinstance(value, ast.Tuple) and value.elts:
            value = value.elts[0]
        if isinstance(value, ast.List | ast.ListComp):
            info.returns_list = True
        elif isinstance(value, ast.Call):
            func = _dotted(value.func).rsplit(".", 1)[-1]
            if (
                func in {"jsonify", "json_response", "JSONResponse", "Response", "make_response"}
                and value.args
            ):
                first = value.args[0]
                if isinstance(first, ast.List | ast.ListComp):
                    info.returns_list = True
                elif (
                    isinstance(first, ast.Attribute)
                    and first.attr == "data"
                    and isinstance(first.value, ast.Name)
                ):
                    pass
            if func[:1].isupper() and func.endswith("()") is False and not scope.cls:
                # `def get_settings(): return Settings()`: callers' attribute reads resolve to it
                canonical = self.canonical(_dotted(value.func))
                if (
                    canonical
                    and canonical.rsplit(".", 1)[-1][:1].isupper()
                    and not value.args
                    and not value.keywords
                ):
                    self.bindings.append(
                        Binding(
                            f"{self.module}.{scope.function}()",
                            Expr((Part("name", self._qualify_class(canonical) + "()"),), ""),
                            self.locate(node),
                        )
                    )

    def _subscript(self, node: ast.Subscript, scope: Scope) -> None:
        key = _const_str(node.slice)
        if key is not None:
            self._query_read(node.value, key, scope)

    def _query_read(self, source: ast.AST, name: str, scope: Scope) -> None:
        dotted = _dotted(source)
        if not dotted.startswith(("request.", "self.request.")) or not scope.function:
            return
        tail = dotted.split("request.", 1)[1]
        if tail in _QUERY_SOURCES:
            info = self.functions.get(scope.function)
            if info is not None and name not in info.query_params:
                info.query_params.append(name)

    # -- finish -------------------------------------------------------------------------------------
    def finish(self) -> PythonFacts:
        for node, scope, var_key, bound in self.pending:
            final = self.vars.get(var_key)
            if bound is not None:
                self.vars[var_key] = bound
            func = node.func
            assert isinstance(func, ast.Attribute)
            if func.attr in {"get", "getlist", "get_all", "getone"} and node.args:
                key = _const_str(node.args[0])
                if key is not None:
                    self._query_read(func.value, key, scope)
            if func.attr == "paginate_queryset" or func.attr == "get_paginated_response":
                info = self.functions.get(scope.function)
                if info is not None:
                    info.paginated = True
            self._pending(node, scope)
            if bound is not None and final is not None:
                self.vars[var_key] = final
        functions = tuple(self._function_fact(info) for info in self.functions.values())
        return PythonFacts(
            module=self.module,
            imports=tuple(self.import_facts),
            bindings=tuple(self.bindings),
            functions=functions,
            apps=tuple(self.apps),
            routes=tuple(sorted(self.routes, key=_at)),
            mounts=tuple(sorted(self.mounts, key=_at)),
            calls=tuple(sorted(self.calls, key=_at)),
            brokers=tuple(sorted(self.brokers, key=_at)),
            databases=tuple(self.databases),
            tables=tuple(sorted(self.tables, key=_at)),
            blocking=tuple(sorted(self.blocking, key=_at)),
            entry_point=self.entry_point,
            drf_default_pagination=self.drf_default_pagination,
            timeout_patched=tuple(sorted(self.timeout_patched)),
            clients=tuple(
                HttpClient(c.library, c.timeout, c.location)
                for c in self.http_clients
                if c.location is not None
            ),
            instances=tuple(
                sorted(
                    (name, var.cls)
                    for (owner, name), var in self.vars.items()
                    if owner == "" and var.kind == "class" and var.cls
                )
            ),
            migration=self.migration_reader.finish() if self.migration_reader else None,
        )

    def _function_fact(self, info: _FunctionInfo) -> Function:
        node = info.node
        is_class = isinstance(node, ast.ClassDef)
        bases: tuple[str, ...] = ()
        short: set[str] = set()
        methods = self._view_methods.get(info.qualname, ())
        actions: tuple[str, ...] = ()
        if isinstance(node, ast.ClassDef):
            bases = tuple(self.canonical(_dotted(b)) for b in node.bases if _dotted(b))
            short = {b.rsplit(".", 1)[-1] for b in bases}
            defined = {
                s.name for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
            }
            if not methods:
                methods = tuple(m.upper() for m in HTTP_VERBS if m in defined)
                for b in bases:  # in written order, so the methods come out the same each run
                    base = b.rsplit(".", 1)[-1]
                    inherited = _DRF_GENERIC_METHODS.get(base) or (
                        _DJANGO_GENERIC_METHODS.get(base) if b.startswith("django.views.") else None
                    )
                    if inherited:
                        methods = tuple(dict.fromkeys((*methods, *inherited)))
            acts: list[str] = []
            for b in short:
                acts.extend(_VIEWSET_ACTIONS.get(b, ()))
            acts.extend(a for a in _ACTION_NAMES if a in defined)
            acts.extend(self._viewset_extra.get(info.qualname, ()))
            actions = tuple(dict.fromkeys(acts))
            if short & {"ListAPIView", "ListCreateAPIView"} or "list" in actions:
                info.returns_list = info.returns_list or bool(
                    short
                    & {
                        "ListAPIView",
                        "ListCreateAPIView",
                        "ModelViewSet",
                        "ReadOnlyModelViewSet",
                        "ListModelMixin",
                    }
                )
        decorators = tuple(
            self.canonical(_dotted(d.func if isinstance(d, ast.Call) else d))
            for d in node.decorator_list
        )
        return Function(
            qualname=info.qualname,
            location=self.locate(node),
            is_async=isinstance(node, ast.AsyncFunctionDef),
            calls=tuple(sorted(info.calls)),
            call_sites=tuple(info.call_sites) if isinstance(node, ast.AsyncFunctionDef) else (),
            bases=bases,
            is_class=is_class,
            decorators=tuple(d for d in decorators if d),
            http_methods=methods,
            query_params=tuple(info.query_params),
            returns_list=info.returns_list,
            paginated=info.paginated,
            pagination_off=info.pagination_off,
            drf_generic=is_class and bool(short & _DRF_GENERIC_VIEWS),
            viewset_actions=actions,
        )
