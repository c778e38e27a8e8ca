"""Configuration files: where they are found, what they may say, and the errors for mistakes."""

from __future__ import annotations

import pytest
from conftest import archlint, write_tree

KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"


def test_pyproject_table_is_found_from_a_subfolder(project):
    write_tree(
        project,
        {
            "pyproject.toml": '[project]\nname = "shop"\n[tool.archlint]\nignore = ["ARC501"]\n',
            "svc/app.py": f'K = "{KEY}"\n',
        },
    )
    assert archlint("check", "svc", cwd=project).code == 0
    assert archlint("check", "svc/app.py", cwd=project).code == 0
    assert archlint("check", ".", cwd=project / "svc").code == 0


def test_archlint_toml_wins_over_pyproject_in_the_same_folder(project):
    write_tree(
        project,
        {
            "pyproject.toml": '[tool.archlint]\nselect = ["ARC0"]\n',
            "archlint.toml": 'select = ["ARC5"]\n',
            "app.py": f'K = "{KEY}"\n',
        },
    )
    assert archlint("check", cwd=project).code == 1


def test_search_stops_at_the_repository_root(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.archlint]\nignore = ["ARC501"]\n'})
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write_tree(repo, {"app.py": f'K = "{KEY}"\n'})
    assert archlint("check", cwd=repo).code == 1


def test_cli_flags_override_config(project):
    write_tree(
        project,
        {"archlint.toml": 'select = ["ARC0"]\nfail-on = "none"\n', "app.py": f'K = "{KEY}"\n'},
    )
    assert archlint("check", cwd=project).code == 0
    assert archlint("check", "--select", "ARC5", cwd=project).code == 0  # fail-on none still
    assert archlint("check", "--select", "ARC5", "--fail-on", "error", cwd=project).code == 1


def test_rule_options_and_level(project):
    write_tree(
        project,
        {
            "archlint.toml": """
            [rules.hardcoded-secret]
            test-level = "error"
            allowed-values = ["local-dev-token-0f9a8b7c6d5e4f3a2b1c"]

            [rules.ARC003]
            level = "warning"
            """,
            "tests/test_pay.py": f'K = "{KEY}"\n',
            "app.py": 'API_TOKEN = "local-dev-token-0f9a8b7c6d5e4f3a2b1c"\nX = 1  # archlint: ignore\n',
        },
    )
    run = archlint("check", "--format", "json", "--no-cache", cwd=project)
    got = {(f["code"], f["path"], f["level"]) for f in run.json()["findings"]}
    assert got == {("ARC501", "tests/test_pay.py", "error"), ("ARC003", "app.py", "warning")}


@pytest.mark.parametrize(
    "toml, message",
    [
        ('selct = ["ARC5"]', "key 'selct': unknown key (did you mean 'select'?)"),
        ('select = "ARC5"', "key 'select': expected a list of strings"),
        ('fail-on = "fatal"', "key 'fail-on': expected one of 'error', 'warning', 'note', 'none'"),
        ('max-file-size = "big"', "key 'max-file-size': expected a size in bytes"),
        ('select = ["ARC9"]', "unknown rule or rule prefix 'ARC9'"),
        ("[rules.no-such-rule]\nx = 1", "key 'rules.no-such-rule': unknown rule"),
        ("[rules.hardcoded-secret]\ntest-levl = 'note'", "key 'rules.hardcoded-secret.test-levl': unknown option"),
        ("[rules.hardcoded-secret]\ntest-level = 'loud'", "expected one of 'note', 'warning', 'error', 'off'"),
        ("[rules.hardcoded-secret]\nallowed-values = 'x'", "allowed-values': expected a list of strings"),
        ("[services.orders]\npath = 3", "key 'services.orders.path': expected a string"),
        ("[services.orders]\nport = 3", "key 'services.orders.port': unknown key"),
        ("plugins = ['no_such_plugin_mod']", "plug-in 'no_such_plugin_mod' failed to import"),
        ("select = [", "invalid TOML"),
    ],
)
def test_config_errors_name_file_key_and_expectation(project, toml, message):
    write_tree(project, {"archlint.toml": toml + "\n", "app.py": "x = 1\n"})
    run = archlint("check", cwd=project)
    assert run.code == 2
    assert message in run.err
    assert "archlint.toml" in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_pyproject_errors_use_the_tool_prefix(project):
    write_tree(project, {"pyproject.toml": "[tool.archlint]\nexclud = []\n"})
    run = archlint("check", cwd=project)
    assert run.code == 2 and "key 'tool.archlint.exclud': unknown key (did you mean 'exclude'?)" in run.err


def test_services_table_is_accepted(project):
    write_tree(
        project,
        {
            "pyproject.toml": """
            [tool.archlint.services.orders]
            path = "orders"
            hosts = ["orders", "orders.internal"]
            kind = "service"
            """,
            "orders/app.py": "x = 1\n",
        },
    )
    assert archlint("check", cwd=project).code == 0


def test_explicit_config_file(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("cfg") / "strict.toml"
    other.write_text('select = ["ARC0"]\n')
    write_tree(project, {"app.py": f'K = "{KEY}"\n'})
    assert archlint("check", "--config", other, project, cwd=project).code == 0


def test_a_prefix_table_sets_options_for_every_rule_of_the_family(project):
    from archlint.engine import validate_rule_options
    from archlint.registry import load_registry

    write_tree(
        project,
        {
            "archlint.toml": """
            [rules.ARC6]
            dialect = "mysql"
            large-tables = ["orders"]

            [rules.ARC607]
            dialect = "postgres"
            """,
        },
    )
    from archlint.config import load_file

    config = load_file(project / "archlint.toml")
    options = validate_rule_options(config, load_registry())
    assert options["ARC601"][0] == {"dialect": "mysql", "large-tables": ["orders"]}
    assert options["ARC607"][0]["dialect"] == "postgres"  # its own table wins
    write_tree(project, {"archlint.toml": '[rules.ARC6]\nmax-hops = 3\n'})
    run = archlint("check", "--no-cache", cwd=project)
    assert run.code == 2 and "no rule matching ARC6 has this option" in run.err
