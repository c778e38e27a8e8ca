"""Issue 6, must-show 3: archlint never imports or runs the code it scans.

A scan of files whose import (or execution as a setup script, a pytest conftest, a package
`__init__`, a plug-in-looking module, a YAML tag) would write a marker leaves no marker; and
archlint's own source contains no way to run code or load code-bearing data: no eval/exec,
pickle/marshal/shelve, unsafe YAML loaders, dynamic imports of scanned paths, or processes fed
with scanned input.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import archlint, write_tree
from guarded import guarded_archlint

SRC = Path(__file__).resolve().parents[2] / "src" / "archlint"


def _writes_marker(marker: Path, name: str) -> str:
    return (
        f"import pathlib\npathlib.Path({str(marker)!r}).joinpath({name!r}).write_text('ran')\n"
        f"open({str(marker / (name + '.2'))!r}, 'w').write('ran')\n"
    )


def test_scanned_code_is_never_imported_or_run(project, tmp_path_factory):
    marker = tmp_path_factory.mktemp("markers")
    files = {
        "app/__init__.py": _writes_marker(marker, "init"),
        "app/main.py": _writes_marker(marker, "main")
        + "from fastapi import FastAPI\napp = FastAPI()\n",
        "app/__main__.py": _writes_marker(marker, "dunder_main"),
        "conftest.py": _writes_marker(marker, "conftest"),
        "tests/conftest.py": _writes_marker(marker, "tests_conftest"),
        "setup.py": _writes_marker(marker, "setup") + "from setuptools import setup\nsetup()\n",
        "noxfile.py": _writes_marker(marker, "noxfile"),
        "manage.py": _writes_marker(marker, "manage"),
        "settings.py": _writes_marker(marker, "settings") + "INSTALLED_APPS = ['app']\n",
        "migrations/0001_initial.py": _writes_marker(marker, "migration")
        + "from django.db import migrations\nclass Migration(migrations.Migration):\n"
        "    operations = [migrations.RunPython(lambda a, s: None)]\n",
        "alembic/versions/abc_rev.py": _writes_marker(marker, "alembic")
        + "revision = 'abc'\ndown_revision = None\ndef upgrade():\n    pass\n",
        "sitecustomize.py": _writes_marker(marker, "sitecustomize"),
        "usercustomize.py": _writes_marker(marker, "usercustomize"),
        "archlint.py": _writes_marker(marker, "shadow_archlint"),
        "evil.pth": f"import pathlib; pathlib.Path({str(marker)!r}).joinpath('pth').write_text('ran')\n",
        "cfg.yaml": f"a: !!python/object/apply:os.system ['touch {marker}/yaml']\n",
        "data.pkl": b"cos\nsystem\n(S'touch " + str(marker).encode() + b"/pickle'\ntR.",
        "x.pyc": b"\x00" * 16,
    }
    write_tree(project, files)
    in_process = archlint("check", "--format", "json", "--no-cache", "-j", "1", cwd=project)
    assert in_process.code in (0, 1), in_process.err
    guarded = guarded_archlint("check", "--format", "json", "--no-cache", cwd=project)
    assert guarded.code in (0, 1), guarded.err
    assert guarded.violations == ""
    assert list(marker.iterdir()) == []


# -- archlint's own source --------------------------------------------------------------------

_BANNED_CALLS = {"eval", "exec", "compile", "__import__", "execfile", "runpy", "breakpoint"}
_BANNED_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "runpy", "code"}
_SAFE_YAML = {"safe_load", "safe_load_all", "compose", "compose_all", "parse"}
# Where a process is started on purpose, and why it is safe: `--diff` runs the local `git`
# with a fixed argument list, configured programs (fsmonitor, pagers, filters) disabled.
_SUBPROCESS_ALLOWED = {"gitdiff.py"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (p, ast.parse(p.read_text(encoding="utf-8"), str(p))) for p in sorted(SRC.rglob("*.py"))
    ]


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def test_the_source_never_evaluates_or_unpickles():
    found = []
    for path, tree in _modules():
        rel = path.relative_to(SRC)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for name in names:
                    if name.split(".")[0] in _BANNED_MODULES:
                        found.append(f"{rel}:{node.lineno}: imports {name}")
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                last = name.rsplit(".", 1)[-1]
                if name in _BANNED_CALLS or name.startswith("builtins."):
                    found.append(f"{rel}:{node.lineno}: calls {name}")
                if (
                    last in ("load", "load_all", "unsafe_load", "full_load")
                    and "yaml" in name.lower()
                ):
                    found.append(f"{rel}:{node.lineno}: {name} (YAML construction)")
                if name in ("os.system", "os.popen") or name.startswith(("os.exec", "os.spawn")):
                    found.append(f"{rel}:{node.lineno}: calls {name}")
    assert found == []


def test_yaml_is_only_composed_with_a_safe_loader():
    """ruamel's YAML() objects are built with typ="safe" and only compose (never construct)."""
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _dotted(node.func) in ("YAML", "ruamel.yaml.YAML"):
                typ = next((k.value for k in node.keywords if k.arg == "typ"), None)
                if not (isinstance(typ, ast.Constant) and typ.value == "safe"):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: YAML() not typ='safe'")
            if isinstance(node, ast.Attribute) and node.attr in ("load", "load_all"):
                owner = _dotted(node.value)
                if "yaml" in owner.lower():
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: {owner}.{node.attr}")
    assert found == []


def test_dynamic_imports_only_load_configured_plugins():
    """importlib is used in one place: loading the plug-ins the user's config names (their code
    is the user's own, like a ruff plug-in); never a path found by scanning."""
    found = []
    for path, tree in _modules():
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                if name.split(".")[-1] in (
                    "import_module",
                    "spec_from_file_location",
                    "exec_module",
                ):
                    found.append(rel)
    assert set(found) <= {"registry.py"}, found


def test_processes_are_started_only_by_the_diff_option():
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] == "subprocess" for n in names):
                found.append(path.name)
    assert set(found) <= _SUBPROCESS_ALLOWED, found
