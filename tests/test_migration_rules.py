"""The migration rules through the CLI: options shared by the family, Flyway specifics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import archlint, write_tree


def check(root: Path, *extra: str) -> list[dict[str, Any]]:
    run = archlint("check", root, "--format", "json", "--no-cache", "--select", "ARC6", *extra)
    assert run.code in (0, 1), run.err
    return run.json()["findings"]  # type: ignore[no-any-return]


PROJECT = {
    "catalog/Dockerfile": "FROM python:3.12\n",
    "catalog/app.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    "catalog/db/migration/V1__init.sql": """
        CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL);
        """,
    "catalog/db/migration/V2__sku_index.sql": """
        SET lock_timeout = '5s';
        CREATE INDEX products_sku_idx ON products (sku);
        """,
    # An undo migration runs only on `flyway undo`: not a forward change.
    "catalog/db/migration/U2__sku_index.sql": """
        DROP INDEX products_sku_idx;
        """,
}


def test_flyway_undo_migrations_are_not_forward_changes(project):
    write_tree(project, PROJECT)
    found = {(f["code"], f["path"], f["line"]) for f in check(project)}
    assert found == {("ARC601", "catalog/db/migration/V2__sku_index.sql", 2)}


def test_a_family_table_sets_the_dialect_and_large_tables_for_every_migration_rule(project):
    write_tree(project, {**PROJECT, "archlint.toml": '[rules.ARC6]\nlarge-tables = ["prod*"]\n'})
    (f,) = check(project)
    assert f["level"] == "error"  # a large table raises the level
    write_tree(project, {"archlint.toml": '[rules.ARC6]\ndialect = "mysql"\n'})
    assert check(project) == []  # CONCURRENTLY is PostgreSQL's: ARC601 stays silent


def test_migrations_outside_any_service_are_checked_too(project):
    # A repository of database migrations only: no app, no compose.
    write_tree(
        project,
        {
            "db/migration/V1__init.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
            "db/migration/V2__audit.sql": """
                SET lock_timeout = '5s';
                CREATE INDEX accounts_id_idx ON accounts (id);
                CREATE TABLE audit_log (at timestamptz, what text);
                """,
        },
    )
    found = {(f["code"], f["path"], f["line"]) for f in check(project)}
    assert found == {
        ("ARC601", "db/migration/V2__audit.sql", 2),
        ("ARC608", "db/migration/V2__audit.sql", 3),
    }


def test_creating_and_seeding_a_table_is_not_a_backfill_but_filling_a_new_column_is(project):
    write_tree(
        project,
        {
            "manage.py": "import django\n",
            "shop/migrations/0001_initial.py": """
                from django.db import migrations, models

                def seed(apps, schema_editor):
                    apps.get_model("shop", "Country").objects.create(code="DE")

                class Migration(migrations.Migration):
                    initial = True
                    dependencies = []
                    operations = [
                        migrations.CreateModel(
                            name="Country",
                            fields=[("id", models.BigAutoField(primary_key=True)), ("code", models.CharField(max_length=2))],
                        ),
                        migrations.RunPython(seed),
                    ]
                """,
            "shop/migrations/0002_country_name.py": """
                from django.db import migrations, models

                def fill(apps, schema_editor):
                    apps.get_model("shop", "Country").objects.update(name="?")

                class Migration(migrations.Migration):
                    dependencies = [("shop", "0001_initial")]
                    operations = [
                        migrations.RunSQL("SET lock_timeout TO '5s'"),
                        migrations.AddField(model_name="country", name="name", field=models.TextField(null=True)),
                        migrations.RunPython(fill),
                    ]
                """,
        },
    )
    found = {(f["code"], f["path"], f["line"]) for f in check(project, "--select", "ARC609")}
    assert found == {("ARC609", "shop/migrations/0002_country_name.py", 11)}  # the RunPython
