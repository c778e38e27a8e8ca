"""Architecture facts the readers extract from one file: plain data, cached as JSON.

Each reader fills the part for its format (`PythonFacts`, `OpenApiFacts`, `SqlFacts`,
`DeployFacts`) and the assemble stage joins them across files into services, endpoints, calls,
databases and tables. Nothing here knows a rule.

Values that a reader cannot compute on its own (a URL built from a constant in another module,
an environment variable set in docker-compose) are kept as an `Expr`: a sequence of `Part`s that
the assemble stage resolves as far as the whole project allows, and reports as unresolved
otherwise, with the source text.
"""

from __future__ import annotations

from dataclasses import dataclass

from archlint.location import Location

# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a string-valued expression.

    kind:
      - "lit":     literal text (`value`)
      - "env":     the environment variable `value`; `default` is its fallback, if any
      - "name":    a dotted name to look up (`settings.ORDERS_URL`, `BASE`, `config.Settings.x`)
      - "param":   a function parameter, `module.function|name|position`; resolved through the
                   arguments a constructor call passes, else `default`
      - "unknown": something the reader cannot follow; `value` is its source text
    """

    kind: str
    value: str
    default: tuple[Part, ...] = ()
    has_default: bool = False


@dataclass(frozen=True, slots=True)
class Expr:
    parts: tuple[Part, ...]
    text: str = ""  # the source text, shortened; shown for unresolved values

    @staticmethod
    def lit(value: str) -> Expr:
        return Expr((Part("lit", value),), repr(value))

    @property
    def literal(self) -> str | None:
        """The value when every part is literal text, else None."""
        if all(p.kind == "lit" for p in self.parts):
            return "".join(p.value for p in self.parts)
        return None


@dataclass(frozen=True, slots=True)
class Binding:
    """`name = <expr>` at module or class level (`Settings.orders_url` for class attributes),
    or a pydantic-settings field (its value reads an environment variable)."""

    name: str
    value: Expr
    location: Location


# ---------------------------------------------------------------------------------------------
# Python


@dataclass(frozen=True, slots=True)
class Import:
    """`import a.b as c` → ("c", "a.b"); `from a.b import c as d` → ("d", "a.b.c").
    Relative imports are made absolute against the file's own dotted path."""

    alias: str
    target: str


@dataclass(frozen=True, slots=True)
class Function:
    """A function or method (`qualname` is `f`, `Class.method`, `outer.inner`)."""

    qualname: str
    location: Location
    is_async: bool
    calls: tuple[str, ...] = ()  # dotted names called in the body, as written (`svc.get_user`)
    bases: tuple[str, ...] = ()  # for classes: base classes (canonical dotted names)
    is_class: bool = False
    decorators: tuple[str, ...] = ()  # canonical dotted names of decorators
    # What a route registered elsewhere (urls.py, add_url_rule) needs to know of its handler:
    http_methods: tuple[str, ...] = ()  # api_view([...]) / require_http_methods / class methods
    query_params: tuple[str, ...] = ()  # request.args / query_params / GET / query reads
    returns_list: bool = False  # jsonify([...]), Serializer(many=True), a list return
    paginated: bool = False  # DRF pagination_class, a paginator in the body
    pagination_off: bool = False  # DRF `pagination_class = None`: no global default either
    drf_generic: bool = False  # a DRF generic view / viewset: the global default paginator applies
    viewset_actions: tuple[str, ...] = ()  # DRF: list, retrieve, …, "detail:GET:url_path"
    # async functions only: where each project function is called (callee as in `calls`, line,
    # column), so a sync helper that blocks can be reported where the event loop calls it.
    call_sites: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class App:
    """An HTTP application or route container: FastAPI()/APIRouter, Flask/Blueprint, Starlette,
    aiohttp Application/RouteTableDef, flask-restx Api/Namespace, DRF router, connexion App…"""

    var: str  # module-level variable (or dotted attribute) holding it
    framework: str  # fastapi | starlette | flask | django | drf | aiohttp | connexion | grpc
    kind: str  # app | router
    prefix: Expr | None
    location: Location
    spec: str = ""  # connexion: the spec file named in add_api()


@dataclass(frozen=True, slots=True)
class Route:
    """One route registration, before prefixes are joined (assemble does that)."""

    owner: str  # the App/router variable it is registered on ("" for Django urlpatterns)
    methods: tuple[str, ...]
    path: Expr
    handler: str  # qualname of the handler function / class in this file, or a dotted name
    location: Location
    framework: str
    is_async: bool = False
    query_params: tuple[str, ...] = ()
    returns: str = ""  # return annotation / response_model / serializer, as written
    returns_list: bool = False  # the response body is a JSON array


@dataclass(frozen=True, slots=True)
class Mount:
    """`parent` includes `child` under `prefix`: include_router, register_blueprint, Django
    include(), Starlette Mount, aiohttp add_subapp, DRF router.urls."""

    parent: str  # the variable of the including app ("" for Django urlpatterns)
    child: str  # the included variable or dotted module name (Django: "app.urls")
    prefix: Expr
    location: Location
    framework: str


@dataclass(frozen=True, slots=True)
class OutboundCall:
    """A synchronous call to another process: HTTP (requests, httpx, aiohttp, urllib, urllib3)
    or gRPC (a stub method called on a channel)."""

    library: str  # requests | httpx | aiohttp | urllib | urllib3 | grpc
    method: str  # GET, POST, … ; for gRPC the RPC name
    url: Expr  # the full URL as written; for gRPC the channel target
    base_url: Expr | None  # the client's base_url, when the call goes through a client object
    function: str  # qualname of the enclosing function ("" at module level)
    location: Location
    is_async: bool
    # "given" | "missing" | "none" (explicitly None) | "default" (the library's default) |
    # "elsewhere" (a client received as a parameter: its timeout is set where it is built)
    timeout: str
    in_async_function: bool = False
    client_location: Location | None = None  # where the client object was built, if any


@dataclass(frozen=True, slots=True)
class HttpClient:
    """An HTTP client object built in the code (requests.Session, httpx.Client, aiohttp
    ClientSession, urllib3.PoolManager) and the timeout it was given."""

    library: str
    timeout: str  # "given" | "none" | "" (not said)
    location: Location


@dataclass(frozen=True, slots=True)
class BrokerUse:
    """A producer or consumer on a message broker."""

    broker: str  # kafka | rabbitmq | celery | sqs | sns | redis
    role: str  # produce | consume
    topic: Expr  # topic / queue / task name
    function: str
    location: Location


@dataclass(frozen=True, slots=True)
class DatabaseUse:
    """A connection to a database: a DSN expression or host/port/name parts (Django DATABASES,
    driver keyword arguments)."""

    driver: str  # sqlalchemy | psycopg | asyncpg | pymysql | sqlite3 | django | pymongo | redis
    dsn: Expr | None
    fields: tuple[tuple[str, Expr], ...] = ()  # engine/host/port/name/user given separately
    function: str = ""
    location: Location | None = None
    alias: str = ""  # Django: the DATABASES key


@dataclass(frozen=True, slots=True)
class TableUse:
    """A table a file creates, alters, drops, reads or writes."""

    table: str  # lower-cased, schema-qualified only when written so
    op: str  # create | alter | drop | rename | read | write | reference
    location: Location
    via: str  # orm | sql | migration
    model: str = ""  # the ORM class, for orm tables
    detail: str = ""  # e.g. the column for alter, the new name for rename
    columns: tuple[str, ...] = ()  # columns the code names: ORM model fields, columns in SQL


@dataclass(frozen=True, slots=True)
class BlockingCall:
    """A blocking call (sleep, subprocess, sync database or HTTP) and the function holding it."""

    call: str  # the dotted call as written: requests.get, time.sleep, …
    category: str  # http | sleep | database | subprocess | orm
    function: str
    location: Location
    in_async: bool = True  # written directly inside an `async def`


@dataclass(frozen=True, slots=True)
class PythonFacts:
    module: str  # dotted path of the file relative to the project root (a/b/c.py → a.b.c)
    imports: tuple[Import, ...] = ()
    bindings: tuple[Binding, ...] = ()
    functions: tuple[Function, ...] = ()
    apps: tuple[App, ...] = ()
    routes: tuple[Route, ...] = ()
    mounts: tuple[Mount, ...] = ()
    calls: tuple[OutboundCall, ...] = ()
    brokers: tuple[BrokerUse, ...] = ()
    databases: tuple[DatabaseUse, ...] = ()
    tables: tuple[TableUse, ...] = ()
    blocking: tuple[BlockingCall, ...] = ()
    clients: tuple[HttpClient, ...] = ()
    # module-level objects of project classes (`trips_client = TripsClient(...)`): (var, class)
    instances: tuple[tuple[str, str], ...] = ()
    entry_point: bool = False  # `if __name__ == "__main__":` or a worker main loop
    drf_default_pagination: bool = False  # REST_FRAMEWORK sets DEFAULT_PAGINATION_CLASS
    # libraries given a default timeout process-wide (HTTPAdapter.send patched,
    # socket.setdefaulttimeout): their calls without timeout= are bounded after all
    timeout_patched: tuple[str, ...] = ()
    migration: Migration | None = None  # an Alembic / Django migration file


# ---------------------------------------------------------------------------------------------
# OpenAPI


@dataclass(frozen=True, slots=True)
class OpenApiParameter:
    name: str
    where: str  # query | path | header | cookie | body | formData
    required: bool
    location: Location


@dataclass(frozen=True, slots=True)
class OpenApiOperation:
    method: str  # upper case
    path: str  # the full path: servers[0] / basePath prefix joined with the path key
    raw_path: str  # the path key as written
    operation_id: str
    location: Location  # of the operation's method key
    parameters: tuple[OpenApiParameter, ...] = ()
    # array | wrapped-array | paged-array (envelope with paging fields) | object | other | ""
    response_shape: str = ""
    max_items: int | None = None
    response_headers: tuple[str, ...] = ()
    secured: bool = False


@dataclass(frozen=True, slots=True)
class OpenApiFacts:
    version: str  # "2.0", "3.0.3", "3.1.0" …
    title: str
    servers: tuple[str, ...]
    operations: tuple[OpenApiOperation, ...] = ()
    remote_refs: tuple[tuple[str, Location], ...] = ()  # $refs not followed (remote, files)
    problems: tuple[tuple[str, Location], ...] = ()  # validation errors (ARC002)


# ---------------------------------------------------------------------------------------------
# SQL migrations


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One schema or data change a migration makes, however it is written: a SQL statement, an
    Alembic `op.*` call or a Django migration operation. The migration-safety rules (ARC6xx)
    read only these.

    kind:
      create_table (primary_key; name = Django's default table name when db_table differs) · define_column (a column of a table created here: type,
      not_null, default) · drop_table · rename_table (name = new name) · add_column (column,
      type, not_null, default) · drop_column · rename_column (column = old, name = new) ·
      alter_type (column, type, old_type when known) · set_not_null (column) · drop_not_null ·
      alter_field (Django AlterField: the column's new definition — type, not_null — judged
      against its earlier state) · add_constraint (constraint, name, not_valid, using_index;
      column for `CHECK (col IS NOT NULL)`) · validate_constraint (name) · create_index (name,
      concurrently, unique) · drop_index (name, concurrently) · set_lock_timeout ·
      update / delete (where) · insert · backfill (Django RunPython, Alembic data code).
    """

    kind: str
    table: str  # lower-cased, schema-qualified only when written so ("" when unknown)
    location: Location
    column: str = ""
    name: str = ""  # new name (renames), index or constraint name
    type: str = ""  # normalised SQL type (extract/schema.py): varchar(100), text, bigint …
    old_type: str = ""
    not_null: bool = False
    default: str = ""  # "" none | constant | volatile
    primary_key: bool = False
    unique: bool = False
    concurrently: bool = False
    constraint: str = ""  # foreign_key | check | check_not_null | unique | primary_key | exclusion
    not_valid: bool = False
    using_index: bool = False
    where: bool = True  # update / delete: has a WHERE clause
    in_transaction: bool = False  # runs inside a transaction (BEGIN … COMMIT, atomic migration)


@dataclass(frozen=True, slots=True)
class Migration:
    """A Python migration file (Alembic revision, Django migration) and the changes it makes, in
    source order (SQL in `op.execute` / `RunSQL` included). SQL migration files carry the same
    changes on their statements (`SqlStatement.changes`)."""

    style: str  # alembic | django
    id: str  # Alembic revision; Django "app_label.0003_name"
    parents: tuple[str, ...] = ()  # Alembic down_revision(s); Django dependencies, same form
    atomic: bool = True  # runs in one transaction (Django `atomic = False`; Alembic default)
    location: Location | None = None  # the revision / Migration class
    changes: tuple[SchemaChange, ...] = ()


@dataclass(frozen=True, slots=True)
class SqlStatement:
    """One statement of a SQL file (or of SQL inside a migration), with the tables it touches."""

    kind: str  # create_table | alter_table | drop_table | create_index | insert | update | …
    location: Location
    tables: tuple[TableUse, ...] = ()
    changes: tuple[SchemaChange, ...] = ()  # what a migration rule needs to know of it


@dataclass(frozen=True, slots=True)
class SqlFacts:
    dialect: str
    migration: str = ""  # flyway | liquibase | plain | "" (not a migration)
    version: str = ""  # V3__add_orders.sql → "3"
    statements: tuple[SqlStatement, ...] = ()


# ---------------------------------------------------------------------------------------------
# Deployment: docker-compose, Kubernetes, .env


@dataclass(frozen=True, slots=True)
class Probe:
    kind: str  # liveness | readiness | startup | healthcheck (compose)
    type: str  # http | tcp | exec | grpc
    path: str = ""
    port: str = ""
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Workload:
    """A process the deployment runs: a compose service or a Kubernetes pod template container."""

    source: str  # compose | kubernetes
    name: str  # compose service name / k8s object name (+ "/container" when several)
    kind: str  # compose: "service"; k8s: Deployment | StatefulSet | DaemonSet | Job | CronJob | Pod
    location: Location
    build_context: str = ""  # resolved relative to the project root, POSIX; "" when none
    dockerfile: str = ""
    image: str = ""
    command: str = ""  # command / entrypoint / args joined, as written
    environment: tuple[tuple[str, str], ...] = ()  # literal values, interpolation kept as written
    env_files: tuple[str, ...] = ()  # project-relative paths
    env_from: tuple[str, ...] = ()  # k8s ConfigMap / Secret names
    ports: tuple[str, ...] = ()
    probes: tuple[Probe, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    depends_on: tuple[str, ...] = ()
    hostnames: tuple[str, ...] = ()  # names other containers reach it by (service, aliases)


@dataclass(frozen=True, slots=True)
class NetworkService:
    """A Kubernetes Service: a host name selecting workloads by labels."""

    name: str
    selector: tuple[tuple[str, str], ...]
    ports: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class ConfigValues:
    """A ConfigMap / Secret (k8s) or a .env file: names → values."""

    name: str  # k8s object name or the .env path
    kind: str  # configmap | secret | dotenv
    values: tuple[tuple[str, str], ...]
    location: Location


@dataclass(frozen=True, slots=True)
class DeployFacts:
    workloads: tuple[Workload, ...] = ()
    network_services: tuple[NetworkService, ...] = ()
    config_values: tuple[ConfigValues, ...] = ()
