"""Which files a run sees, and what each is taken to be."""

from __future__ import annotations

import os

import pytest
from conftest import archlint, write_tree

from archlint.discover import classify, discover
from archlint.model import FileKind

KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"


def paths(project, *args):
    return sorted({f[1] for f in archlint("check", "--format", "json", "--no-cache", *args, cwd=project).findings()})


def test_gitignore_nested_and_negated(project):
    write_tree(
        project,
        {
            ".gitignore": "generated/\n*.local.py\n",
            "svc/.gitignore": "secrets/*\n!secrets/keep.py\n",
            "app.py": f'K = "{KEY}"\n',
            "generated/client.py": f'K = "{KEY}"\n',
            "dev.local.py": f'K = "{KEY}"\n',
            "svc/secrets/ignored.py": f'K = "{KEY}"\n',
            "svc/secrets/keep.py": f'K = "{KEY}"\n',
        },
    )
    assert paths(project) == ["app.py", "svc/secrets/keep.py"]


def test_default_excluded_folders_and_virtualenvs(project):
    files = {f"{d}/x.py": f'K = "{KEY}"\n' for d in (".git", ".venv", "node_modules", "build", "__pycache__", ".tox", "dist")}
    files["myenv/pyvenv.cfg"] = "home = /usr/bin\n"
    files["myenv/lib/x.py"] = f'K = "{KEY}"\n'
    files["src/app.py"] = f'K = "{KEY}"\n'
    write_tree(project, files)
    assert paths(project) == ["src/app.py"]


def test_exclude_setting_and_explicit_paths_like_ruff(project):
    write_tree(
        project,
        {
            "archlint.toml": 'exclude = ["vendor/", "*.gen.py"]\n',
            "vendor/lib.py": f'K = "{KEY}"\n',
            "api.gen.py": f'K = "{KEY}"\n',
            "app.py": f'K = "{KEY}"\n',
        },
    )
    assert paths(project) == ["app.py"]
    # Named on the command line: scanned anyway (ruff's default) ...
    assert paths(project, "vendor/lib.py") == ["vendor/lib.py"]
    # ... unless --force-exclude, as the pre-commit hook passes.
    assert paths(project, "vendor/lib.py", "api.gen.py", "app.py", "--force-exclude") == ["app.py"]


def test_symlink_loops_and_links_out_of_the_project(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write_tree(outside, {"leak.py": f'K = "{KEY}"\n'})
    write_tree(project, {"pkg/app.py": f'K = "{KEY}"\n'})
    os.symlink(project / "pkg", project / "pkg" / "loop")
    os.symlink(project, project / "pkg" / "up")
    os.symlink(outside, project / "outside_dir")
    os.symlink(outside / "leak.py", project / "leak_link.py")
    os.symlink("/", project / "root_link")
    os.symlink(project / "missing", project / "dangling.py")
    run = archlint("check", "--format", "json", "--no-cache", cwd=project)
    assert run.code == 1
    assert sorted({f[1] for f in run.findings()}) == ["pkg/app.py"]


@pytest.mark.parametrize(
    "name, text, kind",
    [
        ("api/openapi.yaml", "info:\n  title: Orders\nopenapi: 3.0.3\npaths: {}\n", FileKind.OPENAPI),
        ("api/spec.json", '{"info": {"title": "x"}, "swagger": "2.0", "paths": {}}', FileKind.OPENAPI),
        ("deploy/app.yaml", "---\n# c\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n", FileKind.KUBERNETES),
        ("deploy/multi.yml", "a: 1\n---\napiVersion: apps/v1\nkind: Deployment\n", FileKind.KUBERNETES),
        ("docker-compose.override.yml", "services: {}\n", FileKind.COMPOSE),
        ("compose.yaml", "services: {}\n", FileKind.COMPOSE),
        ("config/settings.yaml", "debug: true\n", FileKind.CONFIG),
        (".env", "A=1\n", FileKind.DOTENV),
        (".env.production", "A=1\n", FileKind.DOTENV),
        ("db/V1__init.sql", "select 1;\n", FileKind.SQL),
        ("app.py", "x = 1\n", FileKind.PYTHON),
        ("setup.cfg", "[metadata]\nname = x\n", FileKind.CONFIG),
        ("Dockerfile", "FROM python:3.12\n", FileKind.TEXT),
    ],
)
def test_classification(project, name, text, kind):
    from archlint.engine import build_settings, run

    write_tree(project, {name: text})
    result = run(build_settings([str(project)]), use_cache=False)
    assert {f.path: f.kind for f in result.files}[name] is kind


def test_classify_by_name():
    assert classify("docker-compose.prod.yaml")[1] is FileKind.COMPOSE
    assert classify("values.yaml")[1] is FileKind.CONFIG
    assert classify("logo.png")[0] == "text"


def test_discover_is_sorted_and_skips_binaries_by_extension(project):
    write_tree(project, {"b.py": "x=1\n", "a/z.sql": "select 1;\n", "img.png": b"\x89PNG\r\n\x1a\n\x00"})
    files, skipped = discover([project], project)
    assert [f.path for f in files] == ["a/z.sql", "b.py"]
    assert skipped == []
