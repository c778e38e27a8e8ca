"""Bad input is normal input: each broken file is one located ARC001, the rest is analysed, and
no traceback ever reaches the user."""

from __future__ import annotations

import os

import pytest
from conftest import archlint, write_tree

KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def broken(project):
    return write_tree(
        project,
        {
            "svc/syntax.py": "import os\n\ndef handler(request:\n    return 1\n",
            "svc/latin1.py": "# no coding cookie\nNAME = 'caf\xe9'\n".encode("latin-1"),
            "svc/logo.py": PNG,
            "deploy/values.yaml": "orders:\n  replicas: 2\n\timage: orders:1.2\n",
            "deploy/broken.json": '{"a": 1,\n "b": }\n',
            "db/V2__bad.sql": "INSERT INTO t VALUES ('unterminated);\n",
            "pyproject.toml": "[tool.poetry\nname = 'x'\n",
            ".env": "GOOD=1\nthis line is not an assignment\n",
            "svc/ok.py": f'STRIPE = "{KEY}"\n',
        },
    )


def test_each_broken_file_is_one_located_finding_and_the_rest_is_analysed(broken):
    run = archlint("check", "--format", "json", "--no-cache", cwd=broken)
    assert run.code == 1
    assert "Traceback" not in run.err
    got = {(code, path): line for code, path, line in run.findings()}
    assert got == {
        ("ARC001", "svc/syntax.py"): 3,
        ("ARC001", "svc/latin1.py"): 2,
        ("ARC001", "svc/logo.py"): 3,  # the first NUL byte, after the PNG signature's line breaks
        ("ARC001", "deploy/values.yaml"): 3,
        ("ARC001", "deploy/broken.json"): 2,
        ("ARC001", "db/V2__bad.sql"): 1,
        ("ARC001", "pyproject.toml"): 1,
        ("ARC001", ".env"): 2,
        ("ARC501", "svc/ok.py"): 1,
    }
    messages = {f["path"]: f["message"] for f in run.json()["findings"]}
    assert "Python syntax error" in messages["svc/syntax.py"]
    assert "not valid UTF-8" in messages["svc/latin1.py"]
    assert "binary content" in messages["svc/logo.py"]
    assert "YAML syntax error" in messages["deploy/values.yaml"]


def test_parse_errors_never_quote_the_source_line(project):
    secret_line = f'DB_PASSWORD = "{KEY}" +\n'
    write_tree(project, {"bad.py": secret_line, "bad.yaml": f"a: [\n  token: {KEY}\n b"})
    run = archlint("check", "--format", "json", "--no-cache", "--select", "ARC001", cwd=project)
    assert [f[0] for f in run.findings()] == ["ARC001", "ARC001"]
    assert KEY not in run.out


def test_other_encodings_that_declare_themselves_are_read(project):
    write_tree(
        project,
        {
            "cookie.py": "# -*- coding: latin-1 -*-\nPASSWORD = 'Caf\xe9-Pr0d-2024!'\n".encode("latin-1"),
            "bom16.py": "PASSWORD = 'Utf16-Pr0d-2024!'\n".encode("utf-16"),
            "bom8.yaml": "\ufeffdb:\n  password: Bom8-Pr0d-2024!\n".encode("utf-8"),
        },
    )
    got = archlint("check", "--format", "json", "--no-cache", cwd=project).findings()
    assert sorted(got) == [("ARC501", "bom16.py", 1), ("ARC501", "bom8.yaml", 2), ("ARC501", "cookie.py", 2)]


def test_a_secret_in_a_file_with_a_syntax_error_is_still_found(project):
    write_tree(project, {"half.py": f'KEY = "{KEY}"\ndef broken(:\n'})
    got = archlint("check", "--format", "json", "--no-cache", cwd=project).findings()
    assert sorted(got) == [("ARC001", "half.py", 2), ("ARC501", "half.py", 1)]


def test_oversized_files_are_skipped_with_arc004(project):
    write_tree(project, {"archlint.toml": 'max-file-size = "1KB"\n', "big.py": "x = 1\n" * 500, "small.py": f'K = "{KEY}"\n'})
    run = archlint("check", "--format", "json", "--no-cache", cwd=project)
    assert sorted(run.findings()) == [("ARC004", "big.py", 1), ("ARC501", "small.py", 1)]
    assert "larger than max-file-size" in run.json()["findings"][0]["message"]


def test_unreadable_files_are_skipped_with_arc004(project, monkeypatch):
    write_tree(project, {"secret.py": "x = 1\n", "ok.py": "x = 1\n"})
    (project / "secret.py").chmod(0)
    if os.geteuid() == 0:  # root reads everything: make the permission check answer as for a user
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode: not str(p).endswith("secret.py") and real_access(p, mode)
        )
    got = archlint("check", "--format", "json", "--no-cache", cwd=project).findings()
    assert got == [("ARC004", "secret.py", 1)]


def test_yaml_never_constructs_tags_and_aliases_do_not_explode(project):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    write_tree(
        project,
        {
            "bomb.yaml": bomb,
            "evil.yaml": "x: !!python/object/apply:os.system ['touch PWNED']\n",
        },
    )
    run = archlint("check", "--no-cache", cwd=project)
    assert run.code == 0, run.out
    assert not (project / "PWNED").exists()




def test_a_crashing_rule_is_a_notification_not_a_crash(project):
    write_tree(
        project,
        {
            "archlint.toml": 'plugins = ["crashy.py"]\n',
            "crashy.py": '''
from archlint.rule import FileRule
from archlint.model import Level

class Crashy(FileRule):
    code = "XYZ001"
    name = "crashy"
    default_level = Level.ERROR

    def check_file(self, ctx):
        if ctx.path == "boom.py":
            raise RuntimeError("exploded on " + ctx.text)
        return ()
''',
            "boom.py": f'K = "{KEY}"\n',
            "fine.py": "x = 1\n",
        },
    )
    run = archlint("check", "--no-cache", cwd=project)
    assert run.code == 1  # the ARC501 finding still counts; the crash does not make it 2
    assert "ARC501" in run.out
    assert "archlint: warning: rule XYZ001 failed on boom.py: internal error (RuntimeError)" in run.err
    assert "Traceback" not in run.err and KEY not in run.err
    verbose = archlint("check", "--no-cache", "--verbose", cwd=project)
    assert "Traceback (most recent call last)" in verbose.err
    assert KEY not in verbose.err
    sarif = archlint("check", "--no-cache", "--format", "sarif", cwd=project).json()
    inv = sarif["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert "XYZ001" in inv["toolExecutionNotifications"][0]["message"]["text"]
