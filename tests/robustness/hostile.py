"""The hostile tree: every kind of broken, huge or malicious input issue 6 lists, generated at
test time (nothing large is committed), with what archlint must say about each file.

Each entry is a path and its expectation: the rule that reports it (ARC001 could-not-parse,
ARC004 file-skipped, or a real finding such as ARC501 on a secret planted at a known line, which
proves the file was read to its end), and optionally words the message must contain. Files that
are fine to read but carry nothing to report expect no finding and, like every file, no internal
error.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# A planted secret ARC501 recognises (Stripe live key shape). Its full value must never be
# printed anywhere; tests grep every output for it.
SECRET = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"
SECRET_LINE = f'STRIPE_KEY = "{SECRET}"\n'
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89" + bytes(range(256)) * 4
)
MB = 1_000_000

# The sentinel: a normal service whose findings (a file rule and project rules) must survive
# everything else in the tree.
SENTINEL = {
    "sentinel/app.py": (
        "import requests\n"
        "from fastapi import FastAPI\n"
        "\n"
        "app = FastAPI()\n"
        "\n"
        "\n"
        '@app.get("/orders")\n'
        "def orders():\n"
        '    return requests.get("https://billing.example.com/api/invoices").json()\n'
        "\n"
        f'STRIPE = "{SECRET}"\n'
    ),
    "sentinel/Dockerfile": "FROM python:3.12\nCOPY . .\n",
    "sentinel/requirements.txt": "fastapi\nrequests\n",
}
SENTINEL_FINDINGS = {("ARC501", "sentinel/app.py", 11), ("ARC203", "sentinel/app.py", 9)}


@dataclass(frozen=True)
class Expect:
    code: str | None  # None: no finding expected (a valid file with nothing to report)
    line: int | None = None
    words: str = ""  # a part of the message


Content = str | bytes | Callable[[Path], None]


def _deep(opening: str, closing: str, depth: int, inner: str = "1") -> str:
    return opening * depth + inner + closing * depth


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _python() -> dict[str, tuple[Content, Expect]]:
    lines_50k = "".join(f"value_{i} = {i}\n" for i in range(49_999)) + SECRET_LINE
    return {
        "py/syntax_eof.py": ("import os\n\n\ndef handler(request,\n", Expect("ARC001", 4)),
        # 100,000-deep nested expressions: each bites a different part of the parser
        "py/deep_binop.py": ("x = " + "1 + " * 100_000 + "1\n", Expect("ARC001", 1, "nests")),
        "py/deep_unary.py": ("x = " + "-" * 100_000 + "1\n", Expect("ARC001", 1, "nests")),
        "py/deep_not.py": ("x = " + "not " * 100_000 + "y\n", Expect("ARC001", 1, "nests")),
        "py/deep_parens.py": ("x = " + _deep("(", ")", 100_000) + "\n", Expect("ARC001", 1)),
        "py/deep_lists.py": ("x = " + _deep("[", "]", 100_000) + "\n", Expect("ARC001", 1)),
        "py/deep_calls.py": ("x = f" + "()" * 100_000 + "\n", Expect("ARC001", 1, "nests")),
        "py/deep_attrs.py": ("x = a" + ".b" * 100_000 + "\n", Expect("ARC001", 1, "nests")),
        "py/deep_lambda.py": ("x = " + "lambda: " * 100_000 + "1\n", Expect("ARC001", 1)),
        # deep, but within what the parser accepts: our own walk must not recurse on it
        "py/deepish_attrs.py": (
            "x = a"
            + ".b" * 900
            + "\n"
            + "y = f"
            + "()" * 900
            + "\n"
            + "z = "
            + "1 + " * 900
            + "1\n"
            + "w = "
            + "-" * 900
            + "1\n"
            + SECRET_LINE,
            Expect("ARC501", 5),
        ),
        "py/deepish_blocks.py": (
            "".join("    " * i + "if x:\n" for i in range(90))
            + "    " * 90
            + "pass\n"
            + SECRET_LINE,
            Expect("ARC501", 92),
        ),
        "py/many_strings.py": (
            "x = (" + " ".join(['"a"'] * 20_000) + ")\n" + SECRET_LINE,
            Expect("ARC501", 2),
        ),
        "py/one_line_20mb.py": (
            "x = [" + "1," * (10 * MB) + "]\n",
            Expect("ARC004", 1, "larger than max-file-size"),
        ),
        "py/one_line_1mb.py": (
            'x = ["' + '", "'.join(["abcdef"] * 100_000) + f'"]; KEY = "{SECRET}"\n',
            Expect("ARC501", 1),
        ),
        "py/lines_50k.py": (lines_50k, Expect("ARC501", 50_000)),
        "py/nul.py": ("x = 1\n\x00\x00y = 2\n", Expect("ARC001", 2, "binary content")),
        "py/utf16.py": (("# utf-16\n" + SECRET_LINE).encode("utf-16"), Expect("ARC501", 2)),
        "py/utf32.py": (("# utf-32\n" + SECRET_LINE).encode("utf-32"), Expect("ARC501", 2)),
        "py/bad_utf8.py": (b"x = 1\ny = '\xff\xfe\xc3('\n", Expect("ARC001", 2, "not valid UTF-8")),
        "py/cookie_latin1.py": (
            ("# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n" + SECRET_LINE).encode("latin-1"),
            Expect("ARC501", 3),
        ),
        "py/cookie_unknown.py": (
            "# coding: no-such-codec\nx = 1\n",
            Expect("ARC001", 1, "unknown encoding"),
        ),
        "py/cookie_rot13.py": ("# coding: rot13\nk = 1\n", Expect("ARC001", 1)),
        "py/cookie_lies.py": (
            b"# coding: ascii\nx = '\xc3\xa9'\n",
            Expect("ARC001", 2, "not valid ASCII"),
        ),
        "py/logo.py": (PNG, Expect("ARC001", None, "binary content")),
        "py/empty.py": ("", Expect(None)),
        "py/only_bom.py": (b"\xef\xbb\xbf", Expect(None)),
        "py/crlf_mixed.py": (
            "x = 1\r\ny = 2\r" + SECRET_LINE.replace("\n", "\r\n"),
            Expect("ARC501", 3),
        ),
        "py/form_feed.py": ("\x0cx = 1\n\x0c\n" + SECRET_LINE, Expect("ARC501", 3)),
        "py/surrogates.py": ("x = '\\ud800'\ny = b'\\xff'\n" + SECRET_LINE, Expect("ARC501", 3)),
        "py/null_escape.py": ('x = "\\0"\n' + SECRET_LINE, Expect("ARC501", 2)),
        "py/huge_int.py": ("x = " + "9" * 100_000 + "\n" + SECRET_LINE, Expect("ARC501", 2)),
        "py/fifo.py": (_fifo, Expect(None)),
        # a folder named like a file
        "py/folder.py/inner.py": (SECRET_LINE, Expect("ARC501", 1)),
        "linked/target.py": ("x = 1\n", Expect(None)),
    }


def _billion_laughs() -> str:
    out = 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghij":
        out += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
        prev = name
    return out + f"password: {SECRET}\n"


def _merge_bomb() -> str:
    out = "base0: &m0 {a: 1, b: 2}\n"
    for i in range(1, 40):
        out += f"base{i}: &m{i}\n  <<: [{', '.join([f'*m{i - 1}'] * 8)}]\n  k{i}: v\n"
    return out + f"password: {SECRET}\n"


def _yaml() -> dict[str, tuple[Content, Expect]]:
    return {
        "yaml/laughs.yaml": (_billion_laughs(), Expect("ARC501", 11)),
        "yaml/merges.yaml": (_merge_bomb(), Expect("ARC501", 119)),
        # 10,000-deep nesting: composed without recursion limits, walked iteratively
        "yaml/deep_flow.yaml": (
            "a: " + _deep("[", "]", 10_000) + f"\npassword: {SECRET}\n",
            Expect("ARC501", 2),
        ),
        "yaml/deep_map.yaml": (
            "a: " + _deep("{b: ", "}", 10_000) + f"\npassword: {SECRET}\n",
            Expect("ARC501", 2),
        ),
        "yaml/deep_block.yaml": (
            "a:\n" + "- " * 10_000 + f"x\npassword: {SECRET}\n",
            Expect("ARC501", 3),
        ),
        "yaml/tabs.yaml": ("orders:\n  replicas: 2\n\timage: orders:1.2\n", Expect("ARC001", 3)),
        "yaml/many_docs.yaml": (
            "".join(f"---\nname: doc{i}\nport: {i}\n" for i in range(5_000))
            + f"---\npassword: {SECRET}\n",
            Expect("ARC501", 15_002),
        ),
        "yaml/python_tags.yaml": (
            "a: !!python/object/apply:os.system ['touch PWNED_YAML']\n"
            "b: !!python/object/new:subprocess.Popen [['touch', 'PWNED_YAML']]\n"
            "c: !!python/name:os.system\n"
            "d: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch PWNED_YAML']\n"
            f"password: {SECRET}\n",
            Expect("ARC501", 5),
        ),
        "yaml/anchor_keys.yaml": (
            f"? &k [a, b]\n: 1\n? *k\n: 2\n*k : 3\npassword: {SECRET}\n",
            Expect("ARC501", 6),
        ),
        "yaml/self_alias.yaml": (f"a: &a\n  - *a\npassword: {SECRET}\n", Expect("ARC501", 3)),
        "yaml/long_line.yaml": (f"blob: {'x' * MB}\npassword: {SECRET}\n", Expect("ARC501", 2)),
        "json/huge_numbers.json": (
            '{"big": ' + "9" * 100_000 + ', "e": 1e999999, "neg": -1e-999999}\n',
            Expect("ARC001", 1),
        ),
        "json/huge_float.json": (
            '{"e": 1e999999, "f": ' + "1" * 4000 + ".5" + f', "password": "{SECRET}"}}\n',
            Expect("ARC501", 1),
        ),
        "json/deep.json": (_deep("[", "]", 100_000), Expect("ARC001", 1)),
        "json/deep_objects.json": (_deep('{"a": ', "}", 100_000), Expect("ARC001", 1)),
        "toml/deep.toml": ("a = " + _deep("[", "]", 100_000) + "\n", Expect("ARC001", 1)),
        "toml/deep_inline.toml": (
            "a = " + _deep("{b = ", "}", 100_000) + "\n",
            Expect("ARC001", 1),
        ),
    }


_OPENAPI_HEAD = 'openapi: "3.0.3"\ninfo: {title: t, version: "1"}\n'


def _openapi(port: int) -> dict[str, tuple[Content, Expect]]:
    many_paths = {
        "openapi": "3.0.3",
        "info": {"title": "many", "version": "1"},
        "paths": {
            f"/items{i}": {"get": {"responses": {"200": {"description": "ok"}}}}
            for i in range(20_000)
        },
    }
    return {
        "api/cycle.yaml": (
            _OPENAPI_HEAD + "paths:\n"
            "  /a:\n"
            "    get:\n"
            "      responses:\n"
            "        '200':\n"
            "          description: ok\n"
            "          content:\n"
            "            application/json:\n"
            "              schema: {$ref: '#/components/schemas/A'}\n"
            "  /b: {$ref: '#/paths/~1b'}\n"
            "  /c: {$ref: '#/paths/~1d'}\n"
            "  /d: {$ref: '#/paths/~1c'}\n"
            "components:\n"
            "  schemas:\n"
            "    A: {$ref: '#/components/schemas/B'}\n"
            "    B: {$ref: '#/components/schemas/A'}\n"
            "    C: {type: object, properties: {c: {$ref: '#/components/schemas/C'}}}\n"
            "    D: {allOf: [{$ref: '#/components/schemas/D'}]}\n"
            f"x-password: {SECRET}\n",
            Expect("ARC501", 21),
        ),
        "api/escape.yaml": (
            _OPENAPI_HEAD + "paths:\n"
            "  /passwd: {$ref: '/etc/passwd'}\n"
            "  /up: {$ref: '../../../../../../etc/passwd#/x'}\n"
            f"  /remote: {{$ref: 'http://127.0.0.1:{port}/spec.yaml#/paths/~1x'}}\n"
            f"  /remote2: {{$ref: 'https://user:{SECRET}@127.0.0.1:{port}/s.yaml'}}\n"
            "  /file: {$ref: 'file:///etc/shadow'}\n"
            "components:\n"
            "  schemas:\n"
            f"    R: {{$ref: 'http://127.0.0.1:{port}/schema.json'}}\n"
            "    S: {$ref: 'ftp://127.0.0.1/x'}\n",
            Expect("ARC002", 4, "was not followed"),
        ),
        "api/remote.json": (
            json.dumps(
                {
                    "openapi": "3.1.0",
                    "info": {"title": "t", "version": "1"},
                    "paths": {
                        "/x": {
                            "get": {
                                "responses": {
                                    "200": {
                                        "description": "ok",
                                        "content": {
                                            "application/json": {
                                                "schema": {
                                                    "$ref": f"http://127.0.0.1:{port}/s.json"
                                                }
                                            }
                                        },
                                    }
                                }
                            }
                        }
                    },
                    "components": {"schemas": {"Y": {"$ref": f"http://127.0.0.1:{port}/y.json"}}},
                    "jsonSchemaDialect": f"http://127.0.0.1:{port}/dialect",
                },
                indent=1,
            ),
            Expect("ARC002", None, "was not followed"),
        ),
        # remote refs only where they are data (examples, extensions): the document counts as
        # self-contained, so it is fully validated — and the validator must still not fetch
        "api/remote_in_data.json": (
            json.dumps(
                {
                    "openapi": "3.0.3",
                    "info": {"title": "t", "version": "1"},
                    "paths": {
                        "/x": {
                            "get": {
                                "responses": {
                                    "200": {
                                        "description": "ok",
                                        "content": {
                                            "application/json": {
                                                "schema": {
                                                    "type": "object",
                                                    "default": {
                                                        "$ref": f"http://127.0.0.1:{port}/d"
                                                    },
                                                },
                                                "example": {"$ref": f"http://127.0.0.1:{port}/e"},
                                            }
                                        },
                                    }
                                },
                            }
                        }
                    },
                }
            ),
            Expect(None),
        ),
        "api/many_paths.json": (json.dumps(many_paths), Expect(None)),
        "api/many_paths.yaml": (
            _OPENAPI_HEAD
            + "paths:\n"
            + "".join(
                f"  /items{i}:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
                for i in range(20_000)
            )
            + f"x-password: {SECRET}\n",
            Expect("ARC501", 60_004),
        ),
        "api/alias_bomb.yaml": (
            _OPENAPI_HEAD + "paths: {}\n" + _billion_laughs().replace("password:", "x-password:"),
            Expect("ARC501", 14),
        ),
    }


def _sql() -> dict[str, tuple[Content, Expect]]:
    big_values = ", ".join(f"({i}, 'user{i}@example.com')" for i in range(143_000))
    return {
        "db/unterminated.sql": (
            "SELECT 1;\nINSERT INTO t VALUES ('never closed);\n",
            Expect("ARC001", 2),
        ),
        "db/dollar.sql": (
            "SELECT 1;\nCREATE FUNCTION f() RETURNS int AS $body$\nBEGIN RETURN 1; END;\n",
            Expect("ARC001", None),
        ),
        "db/dollar_plain.sql": ("DO $$ BEGIN\nPERFORM 1;\n", Expect("ARC001", None)),
        "db/comment.sql": ("SELECT 1; /* never closed\nSELECT 2;\n", Expect("ARC001", None)),
        "db/quoted_ident.sql": ('SELECT "never closed FROM t;\n', Expect("ARC001", None)),
        "db/big_statement.sql": (
            f"INSERT INTO users (id, email) VALUES {big_values};\n"
            f"CREATE USER app WITH PASSWORD '{SECRET}';\n",
            Expect("ARC501", 2),
        ),
        "db/many_statements.sql": (
            "".join(f"INSERT INTO t{i % 7} (id) VALUES ({i});\n" for i in range(100_000))
            + f"CREATE USER app WITH PASSWORD '{SECRET}';\n",
            Expect("ARC501", 100_001),
        ),
        "db/deep.sql": ("SELECT " + _deep("(", ")", 20_000) + ";\n", Expect(None)),
        "migrations/V1__deep.sql": (
            "ALTER TABLE t ADD COLUMN c int DEFAULT " + _deep("(", ")", 20_000) + ";\n",
            Expect(None),
        ),
    }


def _compose() -> str:
    deep = "${A0:-" * 5_000 + "x" + "}" * 5_000
    unclosed = "${B:-" * 5_000
    return (
        "services:\n"
        "  web:\n"
        "    build: ./web\n"
        "    image: ${IMAGE:-" + deep + "}\n"
        "    environment:\n"
        f"      - DEEP={deep}\n"
        f"      - UNCLOSED={unclosed}\n"
        f"      - DOLLARS={'$$' * 50_000}\n"
        f"      - STRIPE_KEY={SECRET}\n"
    )


def _kubernetes() -> str:
    doc = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i}}}\n"
        "spec:\n  template:\n    spec:\n      containers:\n"
        "        - name: c\n          image: app:{i}\n"
        "          env:\n            - {{name: HOST, value: app{i}}}\n"
    )
    last = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
        f"stringData:\n  STRIPE_KEY: {SECRET}\n"
    )
    return "---\n".join([*(doc.format(i=i) for i in range(999)), last])


def _deploy() -> dict[str, tuple[Content, Expect]]:
    return {
        "docker-compose.yml": (_compose(), Expect("ARC501", 9)),
        "web/app.py": ("x = 1\n", Expect(None)),
        "k8s/many.yaml": (_kubernetes(), Expect("ARC501", 11 * 999 + 999 + 5)),
        ".env": (
            f"BLOB={'A' * MB}\nSTRIPE_KEY={SECRET}\n" + "not an assignment\n",
            Expect("ARC501", 2),
        ),
        "config/long.env": (f"STRIPE_KEY={SECRET}\n" + "X" * MB, Expect("ARC001", 2)),
        "config/quotes.env": ('A="never closed\n' * 1000, Expect(None)),
        # a megabyte of blanks inside a line: patterns that backtrack over blanks would stall
        "config/blanks.env": (f"A=x{' ' * MB}y\nSTRIPE_KEY={SECRET}\n", Expect("ARC501", 2)),
        "config/blanks.cfg": (f"k = a{' ' * MB}x\npassword = {SECRET}\n", Expect("ARC501", 2)),
        "config/blanks.yaml": (f"a: [\nk: a{' ' * MB}x\npassword: {SECRET}\n", Expect("ARC501", 3)),
        "db/copy.sql": (
            "COPY x FROM stdin\n" * 5_000 + f"CREATE USER u PASSWORD '{SECRET}';\n",
            Expect("ARC501", 5_001),
        ),
    }


def _names() -> dict[str, tuple[Content, Expect]]:
    return {
        "names/with space.py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/new\nline.py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/ünïcödé ключ 鍵.py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/-rf.py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/--help.py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/tab\there.py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/quote'\"`$(x).py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/back\\slash.py": (SECRET_LINE, Expect("ARC501", 1)),
        "names/\x1b[31mred.py": (SECRET_LINE, Expect("ARC501", 1)),
    }


def build(root: Path, port: int = 9) -> dict[str, Expect]:
    """Write the hostile tree under `root` (the project root); returns path → expectation for
    every file archlint should report on (paths relative to root, as archlint shows them)."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[Content, Expect]] = {
        **_python(),
        **_yaml(),
        **_openapi(port),
        **_sql(),
        **_deploy(),
        **_names(),
    }
    for rel, text in SENTINEL.items():
        files[rel] = (text, Expect(None))
    expected: dict[str, Expect] = {}
    for rel, (content, expect) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
        expected[rel] = expect
    _links(root)
    expected.update(_unreadable(root))
    return expected


def _links(root: Path) -> None:
    """Symlink loops, and links out of the project: never followed, never reported."""
    links = root / "links"
    links.mkdir()
    (links / "loop").symlink_to(".")
    (links / "up").symlink_to("..")
    (links / "a").mkdir()
    (links / "a" / "back").symlink_to("../a")
    (links / "self.py").symlink_to("self.py")
    (links / "ping.py").symlink_to("pong.py")
    (links / "pong.py").symlink_to("ping.py")
    (links / "dangling.py").symlink_to("does-not-exist.py")
    (links / "slash").symlink_to("/")
    (links / "etc_passwd.py").symlink_to("/etc/passwd")
    (links / "zero.py").symlink_to("/dev/zero")
    (links / "random.yaml").symlink_to("/dev/urandom")
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.py").write_text(SECRET_LINE)
    (links / "outside.py").symlink_to(outside / "secret.py")
    (links / "outside_dir").symlink_to(outside)
    (links / "inside.py").symlink_to("../linked/target.py")  # inside: read once, by one name


def _unreadable(root: Path) -> dict[str, Expect]:
    """A file and a folder nobody may read (the caller runs archlint as a user these bind)."""
    locked = root / "locked"
    locked.mkdir()
    (locked / "secret.py").write_text(SECRET_LINE)
    locked.chmod(0)
    closed = root / "closed.py"
    closed.write_text(SECRET_LINE)
    closed.chmod(0)
    return {
        "locked": Expect("ARC004", 1, "cannot list folder"),
        "closed.py": Expect("ARC004", 1, "not readable"),
    }


def restore_permissions(root: Path) -> None:
    """Make the tree deletable again."""
    for p in (root / "locked", root / "closed.py"):
        if p.exists() or p.is_symlink():
            p.chmod(stat.S_IRWXU)
