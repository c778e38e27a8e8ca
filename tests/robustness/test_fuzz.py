"""Issue 6, must-show 7: property-based fuzzing of every reader.

Each reader (Python, OpenAPI/YAML, SQL, compose, Kubernetes, .env, JSON/TOML) is driven through
the real extract stage (decode → reader → facts → file rules, ARC501's scanners included) with
inputs hypothesis generates or mutates from the fixture files. The property: nothing escapes
extraction — no exception, no internal-error notification — and no file takes more than a
few seconds (a stall would be a time-budget ARC004 in a real run). The facts of each file then go
through the assemble stage and the project rules, which must not fail either.

CI runs a modest, fixed (derandomized) set of examples per reader. A longer session with new
random inputs each time (the `long` profile):

    HYPOTHESIS_PROFILE=long pytest -p no:cacheprovider tests/robustness -k fuzz \
        --hypothesis-show-statistics
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from archlint.assemble import assemble  # noqa: E402
from archlint.discover import classify  # noqa: E402
from archlint.engine import build_settings, instantiate  # noqa: E402
from archlint.extract import extract_file  # noqa: E402
from archlint.extract.budget import FileTimeout, time_budget  # noqa: E402
from archlint.model import FileResult, SourceFile  # noqa: E402
from archlint.rule import FileRule, ProjectRule  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    database=None,
    # CI runs the same inputs every time (a red build must be reproducible); the `long` profile
    # explores new ones (see the module docstring).
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PER_FILE_SECONDS = 60  # generous: a real stall (hours) runs into it, a loaded machine does not
MAX_SIZE = 5 * 1024 * 1024


def _rules() -> tuple[list[FileRule], list[ProjectRule]]:
    rules = instantiate(build_settings([str(FIXTURES / "secrets-shop")]))
    return (
        [r for r in rules if isinstance(r, FileRule)],
        [r for r in rules if isinstance(r, ProjectRule)],
    )


FILE_RULES, PROJECT_RULES = _rules()


def _fixtures(*suffixes: str, names: tuple[str, ...] = ()) -> list[bytes]:
    found = [
        p
        for p in sorted(FIXTURES.rglob("*"))
        if p.is_file() and (p.suffix in suffixes or p.name in names)
    ]
    return [p.read_bytes() for p in found if p.stat().st_size < 200_000]


def extract(name: str, data: bytes) -> FileResult:
    """One file through the extract stage; fails the example on any escape or stall."""
    fmt, kind = classify(name.rsplit("/", 1)[-1])
    src = SourceFile(name, f"/nonexistent/{name}", fmt, kind)
    try:
        with time_budget(PER_FILE_SECONDS):
            result = extract_file(src, data, FILE_RULES, MAX_SIZE)
    except FileTimeout:
        pytest.fail(f"{name}: extraction took longer than {PER_FILE_SECONDS} s")
    assert result.notifications == (), [n.message for n in result.notifications]
    return result


def project_stage(results: list[FileResult]) -> None:
    system = assemble(Path("/nonexistent"), [r.facts for r in results], {})
    for rule in PROJECT_RULES:
        list(rule.check_project(system))


# -- mutation ------------------------------------------------------------------------------------

_COMMON = [b"\x00", b"\xff", b"\xef\xbb\xbf", b"\r", b"\n", b"\t", b" ", b"\\", b'"', b"'", b"#"]
TOKENS = {
    "python": [
        b"(",
        b")",
        b"[",
        b"]",
        b"{",
        b"}",
        b":",
        b"lambda ",
        b"async ",
        b"await ",
        b"def ",
        b"class ",
        b"@",
        b"=",
        b":=",
        b'"""',
        b"f'{",
        b"}'",
        b"\\N{",
        b"# coding: latin-1\n",
        b"import ",
        b"from . import ",
        b"requests.get(",
        b"os.getenv(",
        b"app.get('/",
        b"*",
        b"**",
        b"yield ",
        b"match x:\n case ",
        b"    ",
        b"\x0c",
        "\u2028".encode(),
    ],
    "yaml": [
        b"&a ",
        b"*a",
        b"<<: ",
        b"!!python/object/apply:os.system ",
        b"!!binary ",
        b"{",
        b"}",
        b"[",
        b"]",
        b"- ",
        b": ",
        b"---\n",
        b"...\n",
        b"? ",
        b"|\n",
        b">-\n",
        b"%YAML 1.1\n",
        b"$ref: '#/",
        b"$ref: 'http://127.0.0.1:9/x'",
        b"${A:-${B}}",
        b"~",
        b"!!merge ",
        b"openapi: 3.1.0\n",
        b"swagger: '2.0'\n",
        b"paths:\n",
        b"apiVersion: v1\nkind: Pod\n",
    ],
    "sql": [
        b"'",
        b"$$",
        b"$tag$",
        b"/*",
        b"*/",
        b"--",
        b";",
        b"E'\\'",
        b'"',
        b"(",
        b")",
        b"COPY t FROM stdin;\n",
        b"\\.\n",
        b"BEGIN;",
        b"COMMIT;",
        b"CREATE INDEX CONCURRENTLY ",
        b"ALTER TABLE t ",
        b"ADD COLUMN c int NOT NULL",
        b"DROP TABLE ",
        b"PASSWORD '",
        b"$1",
        b"INSERT INTO t (a) VALUES (",
        b"WITH x AS (",
        b"DO $$",
        b"::",
        b"[",
        b"]",
    ],
    "env": [b"=", b"export ", b'"', b"'", b"${", b"}", b"$", b"#", b"\\\n", b"KEY=", b"\n"],
    "json": [b"{", b"}", b"[", b"]", b'"', b":", b",", b"1e999", b"-", b'"$ref": "#/', b"\\u"],
}


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], tokens: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["insert", "delete", "flip", "duplicate", "truncate", "swap"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(tokens + _COMMON))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "duplicate":
            end = min(len(data), at + draw(st.integers(1, 400)))
            data[at:at] = data[at:end] * draw(st.integers(1, 30))
        elif op == "truncate":
            del data[at:]
        elif op == "swap" and data:
            other = draw(st.integers(0, len(data) - 1))
            a, b = sorted((at, other))
            data[a:b] = data[a:b][::-1]
    return bytes(data)


def token_soup(tokens: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.lists(
        st.one_of(st.sampled_from(tokens + _COMMON), st.binary(max_size=8)), max_size=80
    ).map(b"".join)


PY_SEEDS = _fixtures(".py")
YAML_SEEDS = _fixtures(".yaml", ".yml")
SQL_SEEDS = _fixtures(".sql")
ENV_SEEDS = _fixtures(names=(".env", "prod.env", ".env.example", ".env.production"))
JSON_SEEDS = _fixtures(".json")
COMPOSE_SEEDS = [
    s for s in YAML_SEEDS if b"services:" in s[:2000] and b"apiVersion" not in s[:2000]
]
OPENAPI_SEEDS = [
    s for s in YAML_SEEDS + JSON_SEEDS if b"openapi" in s[:300] or b"swagger" in s[:300]
]


def test_the_fixtures_give_seeds():
    for seeds in (
        PY_SEEDS,
        YAML_SEEDS,
        SQL_SEEDS,
        ENV_SEEDS,
        JSON_SEEDS,
        COMPOSE_SEEDS,
        OPENAPI_SEEDS,
    ):
        assert seeds


@given(st.one_of(mutated(PY_SEEDS, TOKENS["python"]), token_soup(TOKENS["python"])))
def test_fuzz_python(data):
    project_stage([extract("svc/app.py", data), extract("svc/migrations/0002_x.py", data)])


@given(st.one_of(mutated(OPENAPI_SEEDS, TOKENS["yaml"] + TOKENS["json"])))
def test_fuzz_openapi(data):
    project_stage([extract("api/openapi.yaml", data), extract("api/openapi.json", data)])


@given(st.one_of(mutated(YAML_SEEDS, TOKENS["yaml"]), token_soup(TOKENS["yaml"])))
def test_fuzz_yaml_and_kubernetes(data):
    project_stage([extract("deploy/k8s/app.yaml", data)])


@given(st.one_of(mutated(COMPOSE_SEEDS, TOKENS["yaml"]), token_soup(TOKENS["yaml"])))
def test_fuzz_compose(data):
    project_stage([extract("docker-compose.yml", data)])


@given(st.one_of(mutated(SQL_SEEDS, TOKENS["sql"]), token_soup(TOKENS["sql"])))
def test_fuzz_sql(data):
    project_stage([extract("db/migration/V7__x.sql", data), extract("queries/report.sql", data)])


@given(st.one_of(mutated(ENV_SEEDS, TOKENS["env"]), token_soup(TOKENS["env"])))
def test_fuzz_dotenv(data):
    project_stage([extract(".env", data)])


@given(st.one_of(mutated(JSON_SEEDS, TOKENS["json"]), token_soup(TOKENS["json"])))
def test_fuzz_json_and_toml(data):
    extract("config/settings.json", data)
    extract("pyproject.toml", data)


# -- generated structures --------------------------------------------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=40,
)
_keys = st.sampled_from(
    [
        "paths",
        "get",
        "post",
        "responses",
        "200",
        "$ref",
        "parameters",
        "schema",
        "items",
        "properties",
        "allOf",
        "components",
        "schemas",
        "servers",
        "url",
        "content",
        "application/json",
        "in",
        "name",
        "required",
        "type",
        "array",
        "operationId",
        "basePath",
        "x-amazon-apigateway-integration",
        "default",
        "example",
        "/users/{id}",
        "#/components/schemas/A",
    ]
)
_openapi_tree = st.recursive(
    st.one_of(_scalars, _keys),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=60,
)


@given(st.sampled_from(["3.0.3", "3.1.0", "2.0", "3.2.0", "4"]), _openapi_tree)
def test_fuzz_generated_openapi(version, tree):
    doc = {
        "openapi" if version != "2.0" else "swagger": version,
        "info": {"title": "t", "version": "1"},
    }
    if isinstance(tree, dict):
        doc.update(tree)
    else:
        doc["paths"] = tree
    text = json.dumps(doc).encode()
    project_stage([extract("api/spec.json", text), extract("api/spec.yaml", text)])


_env_values = st.text(alphabet=st.sampled_from(list("${}:-?+=AB_ab0/ \"'\\")), max_size=60)


@given(
    st.dictionaries(
        st.sampled_from(["web", "db", "worker"]),
        st.dictionaries(
            st.sampled_from(
                [
                    "image",
                    "build",
                    "environment",
                    "ports",
                    "command",
                    "env_file",
                    "depends_on",
                    "healthcheck",
                    "deploy",
                    "networks",
                ]
            ),
            st.one_of(
                _env_values,
                st.lists(_env_values, max_size=4),
                st.dictionaries(st.text(max_size=8), _env_values, max_size=4),
                _json,
            ),
            max_size=6,
        ),
        max_size=3,
    )
)
def test_fuzz_generated_compose(services):
    text = json.dumps({"services": services}).encode()
    project_stage([extract("docker-compose.yml", text), extract(".env", b"A=1\n")])


# -- repetition: superlinear paths (a regex that backtracks, a quadratic scan) show up when a
# short piece of input is repeated many times; the per-file budget turns a stall into a failure.

_PIECES = {
    "python": ("svc/app.py", TOKENS["python"]),
    "yaml": ("deploy/app.yaml", TOKENS["yaml"]),
    "compose": ("docker-compose.yml", TOKENS["yaml"]),
    "sql": ("db/migration/V1__x.sql", TOKENS["sql"]),
    "env": (".env", TOKENS["env"]),
    "json": ("api/openapi.json", TOKENS["json"]),
    "ini": ("setup.cfg", TOKENS["env"]),
    "toml": ("pyproject.toml", TOKENS["env"] + TOKENS["json"]),
}


@settings(max_examples=max(20, settings.default.max_examples // 4))
@given(
    st.sampled_from(sorted(_PIECES)),
    st.data(),
    st.integers(2_000, 20_000),
)
def test_fuzz_repeated_pieces(reader, data, times):
    name, tokens = _PIECES[reader]
    words = [b"A", b"x", b"FROM", b"stdin", b"COPY", b"k", b"-", b"1", b" ", b"\t", b"\n"]
    piece = b"".join(
        data.draw(st.lists(st.sampled_from(tokens + _COMMON + words), min_size=1, max_size=5))
    )
    head = data.draw(
        st.sampled_from([b"", b"A=", b"k: ", b"x = ", b"COPY t FROM stdin", b"[a]\nk = "])
    )
    extract(name, head + piece * times + b"\n")
