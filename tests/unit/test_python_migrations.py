"""Python migrations as Migration facts: Alembic revisions and Django migrations read into
SchemaChanges (what the ARC6xx migration rules replay), and the columns ORM models map."""

from __future__ import annotations

import textwrap

import pytest

from archlint.extract import python as pyreader
from archlint.extract.python import read_python
from archlint.extract.sql import sql_statements
from archlint.facts import Migration, PythonFacts, SchemaChange, SqlStatement, TableUse
from archlint.location import Location

ALEMBIC_PATH = "billing/alembic/versions/3f2a1b_orders.py"
DJANGO_PATH = "shop/orders/migrations/0003_refunds.py"


def read(source: str, path: str) -> PythonFacts:
    _values, problem, facts = read_python(source, path)
    assert problem is None and facts is not None
    return facts


def migration(source: str, path: str) -> Migration:
    m = read(source, path).migration
    assert m is not None
    return m


def line_of(source: str, snippet: str, nth: int = 0) -> int:
    """1-based line of the nth occurrence of snippet."""
    at = -1
    for _ in range(nth + 1):
        at = source.index(snippet, at + 1)
    return source.count("\n", 0, at) + 1


_DEFAULTS = {f: SchemaChange.__dataclass_fields__[f].default for f in SchemaChange.__slots__}


def summary(change: SchemaChange) -> tuple[object, ...]:
    """(kind, table, the fields that differ from their defaults, as (name, value) pairs)."""
    fields = tuple(
        (f, getattr(change, f))
        for f in SchemaChange.__slots__
        if f not in {"kind", "table", "location", "in_transaction"}
        and getattr(change, f) != _DEFAULTS[f]
    )
    return (change.kind, change.table, *fields)


# ---------------------------------------------------------------------------------------------
# Alembic

ALEMBIC = '''\
"""orders, customer flags

Revision ID: 3f2a1b
Revises: 9c8d7e
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3f2a1b"
down_revision: Union[str, None] = "9c8d7e"
branch_labels: Union[str, Sequence[str], None] = None
depends_on = None

orders = sa.table("orders", sa.column("status", sa.String))


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ref", postgresql.UUID(as_uuid=True), server_default=sa.text("gen_random_uuid()")),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("total", sa.Numeric(10, 2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("tags", postgresql.ARRAY(sa.Text())),
        sa.Column("note", sa.Text, default="-"),
        sa.PrimaryKeyConstraint("id"),
        schema="billing",
    )
    op.add_column("customers", sa.Column("nickname", sa.String(length=50), nullable=True))
    op.add_column(
        "customers",
        sa.Column("vip", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.add_column(
        "customers", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()"))
    )
    op.add_column("customers", sa.Column("score", sa.Integer(), nullable=False, default=0))
    op.add_column(
        "customers",
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id", name="fk_region")),
    )
    op.alter_column(
        "customers", "email", existing_type=sa.String(100), type_=sa.Text(), nullable=False
    )
    op.alter_column("customers", "phone", nullable=True)
    op.alter_column("customers", "name", new_column_name="full_name")
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False, schema="billing")
    op.create_foreign_key(
        "fk_orders_customer", "orders", "customers", ["customer_id"], ["id"],
        postgresql_not_valid=True,
    )
    op.create_check_constraint(
        "ck_customers_email_nn", "customers", "email IS NOT NULL", postgresql_not_valid=True
    )
    op.create_check_constraint("ck_orders_total", "orders", sa.text("total >= 0"))
    op.create_unique_constraint("uq_customers_email", "customers", ["email"])
    op.create_primary_key("pk_carts", "carts", ["id"])
    op.rename_table("carts", "baskets")
    op.drop_column("customers", "legacy")
    op.drop_table("wishlists")
    with op.batch_alter_table("sessions", schema="auth") as batch_op:
        batch_op.add_column(sa.Column("ip", sa.String(45)))
        batch_op.alter_column("user_agent", nullable=False)
        batch_op.create_index("ix_sessions_ip", ["ip"])
        batch_op.drop_index("ix_sessions_old")
    op.create_index("ix_customers_email", "customers", ["email"], postgresql_concurrently=True)
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_customers_phone", "customers", ["phone"], postgresql_concurrently=True
        )
        op.drop_index(
            "ix_customers_old", table_name="customers", postgresql_concurrently=True
        )
    op.execute(orders.update().values(status="done"))
    conn = op.get_bind()
    conn.execute(sa.delete(sa.table("carts")).where(sa.column("id") > 10))
    op.execute(f"UPDATE customers SET vip = {True}")
    op.bulk_insert(orders, [{"status": "new"}])


def downgrade() -> None:
    op.drop_index("ix_orders_status", table_name="orders", schema="billing")
    op.drop_table("orders", schema="billing")
'''


def test_alembic_revision_identity():
    m = migration(ALEMBIC, ALEMBIC_PATH)
    assert (m.style, m.id, m.parents, m.atomic) == ("alembic", "3f2a1b", ("9c8d7e",), True)
    assert m.location is not None
    assert m.location.line == line_of(ALEMBIC, 'revision: str = "3f2a1b"')


@pytest.mark.parametrize(
    ("assignment", "parents"),
    [
        ("down_revision = None", ()),
        ("down_revision = ('a1', 'b2')", ("a1", "b2")),
        ("down_revision = ['a1']", ("a1",)),
        ("down_revision: str | None = 'a1'", ("a1",)),
        ("down_revision = compute()", ()),
    ],
)
def test_alembic_parents(assignment, parents):
    source = f"from alembic import op\nrevision = 'c3'\n{assignment}\n"
    m = migration(source, ALEMBIC_PATH)
    assert (m.id, m.parents) == ("c3", parents)


def test_alembic_create_table_and_columns():
    changes = migration(ALEMBIC, ALEMBIC_PATH).changes
    table = "billing.orders"
    assert [summary(c) for c in changes[:8]] == [
        ("create_table", table, ("primary_key", True)),  # sa.PrimaryKeyConstraint("id")
        ("define_column", table, ("column", "id"), ("type", "bigint"), ("not_null", True)),
        ("define_column", table, ("column", "ref"), ("type", "uuid"), ("default", "volatile")),
        (
            "define_column",
            table,
            ("column", "status"),
            ("type", "varchar(20)"),
            ("not_null", True),
            ("default", "constant"),
        ),
        ("define_column", table, ("column", "total"), ("type", "numeric(10,2)")),
        (
            "define_column",
            table,
            ("column", "created_at"),
            ("type", "timestamptz"),
            ("default", "constant"),  # sa.func.now(): one value per statement
        ),
        ("define_column", table, ("column", "tags"), ("type", "text[]")),
        ("define_column", table, ("column", "note"), ("type", "text")),  # default= is Python's
    ]
    assert changes[0].location.line == line_of(ALEMBIC, "op.create_table(")
    assert changes[3].location.line == line_of(ALEMBIC, 'sa.Column("status"')
    assert all(c.in_transaction for c in changes[:8])


def _alembic_changes() -> list[SchemaChange]:
    return list(migration(ALEMBIC, ALEMBIC_PATH).changes[8:])


def test_alembic_add_column_defaults_and_foreign_keys():
    changes = _alembic_changes()[:6]
    assert [summary(c) for c in changes] == [
        ("add_column", "customers", ("column", "nickname"), ("type", "varchar(50)")),
        (
            "add_column",
            "customers",
            ("column", "vip"),
            ("type", "boolean"),
            ("not_null", True),
            ("default", "constant"),
        ),
        ("add_column", "customers", ("column", "token"), ("type", "uuid"), ("default", "volatile")),
        # default=0 is filled in by SQLAlchemy on insert: the table gets no default
        ("add_column", "customers", ("column", "score"), ("type", "integer"), ("not_null", True)),
        ("add_column", "customers", ("column", "region_id"), ("type", "integer")),
        (
            "add_constraint",
            "customers",
            ("column", "region_id"),
            ("name", "fk_region"),
            ("constraint", "foreign_key"),
        ),
    ]
    assert changes[0].location.line == line_of(ALEMBIC, 'op.add_column("customers"')
    assert changes[4].location == changes[5].location


def test_alembic_alter_column_and_constraints():
    changes = _alembic_changes()[6:20]
    assert [summary(c) for c in changes] == [
        (
            "alter_type",
            "customers",
            ("column", "email"),
            ("type", "text"),
            ("old_type", "varchar(100)"),
        ),
        ("set_not_null", "customers", ("column", "email")),
        ("drop_not_null", "customers", ("column", "phone")),
        ("rename_column", "customers", ("column", "name"), ("name", "full_name")),
        ("create_index", "billing.orders", ("column", "status"), ("name", "ix_orders_status")),
        (
            "add_constraint",
            "orders",
            ("column", "customer_id"),
            ("name", "fk_orders_customer"),
            ("constraint", "foreign_key"),
            ("not_valid", True),
        ),
        (
            "add_constraint",
            "customers",
            ("column", "email"),
            ("name", "ck_customers_email_nn"),
            ("constraint", "check_not_null"),
            ("not_valid", True),
        ),
        ("add_constraint", "orders", ("name", "ck_orders_total"), ("constraint", "check")),
        (
            "add_constraint",
            "customers",
            ("column", "email"),
            ("name", "uq_customers_email"),
            ("constraint", "unique"),
        ),
        (
            "add_constraint",
            "carts",
            ("column", "id"),
            ("name", "pk_carts"),
            ("constraint", "primary_key"),
        ),
        ("rename_table", "carts", ("name", "baskets")),
        ("drop_column", "customers", ("column", "legacy")),
        ("drop_table", "wishlists"),
        ("add_column", "auth.sessions", ("column", "ip"), ("type", "varchar(45)")),
    ]
    assert changes[0].location.line == changes[1].location.line
    assert changes[-1].location.line == line_of(ALEMBIC, "batch_op.add_column(")


def test_alembic_batch_operations_and_transactions():
    changes = _alembic_changes()[19:]
    assert [(summary(c), c.in_transaction) for c in changes] == [
        (("add_column", "auth.sessions", ("column", "ip"), ("type", "varchar(45)")), True),
        (("set_not_null", "auth.sessions", ("column", "user_agent")), True),
        (("create_index", "auth.sessions", ("column", "ip"), ("name", "ix_sessions_ip")), True),
        (("drop_index", "auth.sessions", ("name", "ix_sessions_old")), True),
        # CONCURRENTLY asked for, but Alembic runs the revision in a transaction: the look-alike
        (
            (
                "create_index",
                "customers",
                ("column", "email"),
                ("name", "ix_customers_email"),
                ("concurrently", True),
            ),
            True,
        ),
        (
            (
                "create_index",
                "customers",
                ("column", "phone"),
                ("name", "ix_customers_phone"),
                ("concurrently", True),
            ),
            False,
        ),
        (
            ("drop_index", "customers", ("name", "ix_customers_old"), ("concurrently", True)),
            False,
        ),
        (("backfill", "orders"), True),  # orders = sa.table("orders", …)
        (("backfill", "carts"), True),
        (("backfill", "customers"), True),  # f"UPDATE customers …"
        (("insert", "orders"), True),  # op.bulk_insert
    ]
    assert changes[5].location.line == line_of(ALEMBIC, "op.create_index(\n")
    assert changes[8].location.line == line_of(ALEMBIC, "conn.execute(")


def test_alembic_downgrade_is_not_what_the_revision_does():
    changes = migration(ALEMBIC, ALEMBIC_PATH).changes
    downgrade = line_of(ALEMBIC, "def downgrade")
    assert all(c.location.line < downgrade for c in changes)
    assert not [c for c in changes if c.kind == "drop_table" and c.table == "billing.orders"]


def test_alembic_table_facts_are_unchanged():
    tables = read(ALEMBIC, ALEMBIC_PATH).tables
    assert ("billing.orders", "create") in {(t.table, t.op) for t in tables}
    assert {t.via for t in tables} <= {"migration", "sql"}


# ---------------------------------------------------------------------------------------------
# Django

DJANGO = """\
import uuid

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Now


def fill_refund_reasons(apps, schema_editor):
    Refund = apps.get_model("orders", "Refund")
    Refund.objects.update(reason="legacy")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0002_orderline"),
        ("catalog", "__first__"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("reason", models.CharField(max_length=100)),
                ("amount", models.DecimalField(max_digits=10, decimal_places=2)),
                ("order", models.ForeignKey(on_delete=models.CASCADE, to="orders.order")),
                ("note", models.TextField(null=True, db_column="remark")),
                ("tags", models.ManyToManyField(to="catalog.tag")),
            ],
            options={"db_table": "shop_refunds"},
        ),
        migrations.AlterUniqueTogether(name="refund", unique_together={("order", "reason")}),
        migrations.AddField("order", "paid_at", models.DateTimeField(db_default=Now())),
        migrations.AddField("order", "public_id", models.UUIDField(default=uuid.uuid4)),
        migrations.AddField(
            "order", "secret", models.UUIDField(null=True, db_default=RandomUUID())
        ),
        migrations.AddField("order", "comment", models.TextField(null=True)),
        migrations.AddField("order", "channel", models.CharField(max_length=20)),
        migrations.AddField(
            model_name="order",
            name="coupon",
            field=models.ForeignKey(null=True, on_delete=models.SET_NULL, to="catalog.coupon"),
        ),
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["paid_at"], name="order_paid_idx"),
        ),
        migrations.AddIndex("order", models.Index(fields=["channel"], name="order_channel_idx")),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("order", "legacy_code")],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RemoveField("order", "legacy_flag")],
            state_operations=[migrations.DeleteModel("Legacy")],
        ),
        migrations.RunPython(fill_refund_reasons, migrations.RunPython.noop),
        migrations.RunPython(migrations.RunPython.noop, fill_refund_reasons),
        migrations.AlterField("order", "channel", models.CharField(max_length=40, null=True)),
        migrations.RemoveField("refund", "order"),
        migrations.RenameField("refund", "reason", "why"),
        migrations.RenameField("refund", "note", "text"),
        migrations.AddConstraint(
            "order",
            models.CheckConstraint(check=models.Q(channel__isnull=False), name="order_channel_nn"),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(fields=["public_id"], name="order_public_uq"),
        ),
        migrations.AlterUniqueTogether(name="order", unique_together={("channel", "paid_at")}),
        migrations.RenameModel(old_name="Basket", new_name="Cart"),
        migrations.AlterModelTable(name="cart", table="shop_carts"),
        migrations.DeleteModel(name="Wishlist"),
        migrations.RemoveIndex(model_name="order", name="order_old_idx"),
    ]
"""


def test_django_migration_identity():
    m = migration(DJANGO, DJANGO_PATH)
    assert (m.style, m.id, m.atomic) == ("django", "orders.0003_refunds", False)
    # the swappable user model is skipped; __first__ is kept as written
    assert m.parents == ("orders.0002_orderline", "catalog.__first__")
    assert m.location is not None
    assert m.location.line == line_of(DJANGO, "class Migration")
    assert not any(c.in_transaction for c in m.changes)  # atomic = False


def test_django_create_model():
    changes = migration(DJANGO, DJANGO_PATH).changes
    table = "shop_refunds"
    assert [summary(c) for c in changes[:7]] == [
        # name: the default table other migrations name it by (`orders_refund`)
        ("create_table", table, ("name", "orders_refund"), ("primary_key", True)),
        (
            "define_column",
            table,
            ("column", "id"),
            ("type", "bigserial"),
            ("not_null", True),
            ("primary_key", True),
        ),
        (
            "define_column",
            table,
            ("column", "reason"),
            ("type", "varchar(100)"),
            ("not_null", True),
        ),
        (
            "define_column",
            table,
            ("column", "amount"),
            ("type", "numeric(10,2)"),
            ("not_null", True),
        ),
        ("define_column", table, ("column", "order_id"), ("type", "bigint"), ("not_null", True)),
        ("define_column", table, ("column", "remark"), ("type", "text")),
        ("create_table", "shop_refunds_tags", ("primary_key", True)),  # the many-to-many table
    ]
    assert changes[0].location.line == line_of(DJANGO, "migrations.CreateModel(")
    assert changes[2].location.line == line_of(DJANGO, '("reason"')


def test_django_field_operations():
    changes = migration(DJANGO, DJANGO_PATH).changes[7:]
    t = "orders_order"
    assert [(summary(c), c.in_transaction) for c in changes[:10]] == [
        # AlterUniqueTogether on the table created just before: skipped
        (("add_column", t, ("column", "paid_at"), ("type", "timestamptz"), ("not_null", True),
          ("default", "constant")), False),
        (("add_column", t, ("column", "public_id"), ("type", "uuid"), ("not_null", True),
          ("default", "constant")), False),  # default=uuid.uuid4: one value for every row
        (("add_column", t, ("column", "secret"), ("type", "uuid"), ("default", "volatile")),
         False),
        (("add_column", t, ("column", "comment"), ("type", "text")), False),  # null=True
        (("add_column", t, ("column", "channel"), ("type", "varchar(20)"), ("not_null", True)),
         False),
        (("add_column", t, ("column", "coupon_id"), ("type", "bigint")), False),
        (("add_constraint", t, ("column", "coupon_id"), ("constraint", "foreign_key")), False),
        (("create_index", t, ("column", "paid_at"), ("name", "order_paid_idx"),
          ("concurrently", True)), False),
        (("create_index", t, ("column", "channel"), ("name", "order_channel_idx")), False),
        # SeparateDatabaseAndState: only its database_operations
        (("drop_column", t, ("column", "legacy_flag")), False),
    ]  # fmt: skip
    assert changes[0].location.line == line_of(DJANGO, 'migrations.AddField("order", "paid_at"')
    assert changes[7].location.line == line_of(DJANGO, "AddIndexConcurrently(\n")


def test_django_run_python_and_model_operations():
    changes = migration(DJANGO, DJANGO_PATH).changes[17:]
    assert [summary(c) for c in changes] == [
        ("backfill", ""),  # RunPython(fill, noop); RunPython(noop, …) does nothing forwards
        (
            "alter_field",
            "orders_order",
            ("column", "channel"),
            ("type", "varchar(40)"),
        ),
        ("drop_column", "shop_refunds", ("column", "order_id")),  # known from CreateModel
        ("rename_column", "shop_refunds", ("column", "reason"), ("name", "why")),
        # "note" has db_column="remark": RenameField leaves the column alone
        (
            "add_constraint",
            "orders_order",
            ("column", "channel"),
            ("name", "order_channel_nn"),
            ("constraint", "check_not_null"),
        ),
        (
            "add_constraint",
            "orders_order",
            ("column", "public_id"),
            ("name", "order_public_uq"),
            ("constraint", "unique"),
        ),
        ("add_constraint", "orders_order", ("constraint", "unique")),  # AlterUniqueTogether
        ("rename_table", "orders_basket", ("name", "orders_cart")),
        ("rename_table", "orders_cart", ("name", "shop_carts")),
        ("drop_table", "orders_wishlist"),
        ("drop_index", "orders_order", ("name", "order_old_idx")),
    ]
    assert changes[0].location.line == line_of(DJANGO, "migrations.RunPython(fill")
    assert not changes[0].in_transaction  # atomic = False


def test_django_not_valid_constraints_unmanaged_models_and_atomic_default():
    source = textwrap.dedent(
        """\
        from django.contrib.postgres.operations import (
            AddConstraintNotValid,
            ValidateConstraint,
            RemoveIndexConcurrently,
        )
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("orders", "0003_refunds")]
            operations = [
                AddConstraintNotValid(
                    model_name="order",
                    constraint=models.CheckConstraint(
                        condition=models.Q(total__gte=0), name="order_total_positive"
                    ),
                ),
                ValidateConstraint(model_name="order", name="order_total_positive"),
                RemoveIndexConcurrently("order", "order_paid_idx"),
                migrations.CreateModel(
                    name="Report",
                    fields=[("id", models.AutoField(primary_key=True))],
                    options={"managed": False, "db_table": "reporting_view"},
                ),
                migrations.AddField("report", "total", models.IntegerField(default=0)),
                migrations.AddField(
                    "order", "title", models.CharField(max_length=80, blank=True)
                ),
                migrations.AddField("order", "seen", models.DateTimeField(auto_now_add=True)),
                migrations.RunSQL(migrations.RunSQL.noop, "DROP TABLE x"),
            ]
        """
    )
    m = migration(source, "orders/migrations/0004_checks.py")
    assert (m.id, m.parents, m.atomic) == ("orders.0004_checks", ("orders.0003_refunds",), True)
    assert [summary(c) for c in m.changes] == [
        (
            "add_constraint",
            "orders_order",
            ("name", "order_total_positive"),
            ("constraint", "check"),
            ("not_valid", True),
        ),
        ("validate_constraint", "orders_order", ("name", "order_total_positive")),
        ("drop_index", "orders_order", ("name", "order_paid_idx"), ("concurrently", True)),
        # the unmanaged model has no table; "" fills a NOT NULL blank text field; auto_now_add
        (
            "add_column",
            "orders_order",
            ("column", "title"),
            ("type", "varchar(80)"),
            ("not_null", True),
            ("default", "constant"),
        ),
        (
            "add_column",
            "orders_order",
            ("column", "seen"),
            ("type", "timestamptz"),
            ("not_null", True),
            ("default", "constant"),
        ),
    ]
    assert all(c.in_transaction for c in m.changes)


# ---------------------------------------------------------------------------------------------
# SQL inside migrations: the changes the SQL reader finds, located in the Python file


def fake_statements(sql: str, path: str, dialect: str = "postgres"):
    """One statement per `;`, one change each: kind "sql", name = first word, table = last."""
    out: list[SqlStatement] = []
    offset = 0
    for piece in sql.split(";"):
        text = piece.strip()
        if text:
            start = sql.index(text, offset)
            line = sql.count("\n", 0, start) + 1
            column = start - (sql.rfind("\n", 0, start) + 1) + 1
            loc = Location(path, line, column, line, column + len(text.split()[0]))
            words = text.split()
            change = SchemaChange("sql", words[-1].lower(), loc, name=words[0].lower())
            out.append(SqlStatement("other", loc, changes=(change,)))
        offset += len(piece) + 1
    return out, []


@pytest.fixture
def fake_sql(monkeypatch):
    monkeypatch.setattr(pyreader, "sql_statements", fake_statements)


ALEMBIC_SQL = '''\
import sqlalchemy as sa
from alembic import op

revision = "b2"
down_revision = "a1"
LOCK = "SET lock_timeout TO '5s'"


def upgrade():
    op.execute(LOCK)
    op.execute("""
        ALTER TABLE orders ADD COLUMN note text;
        UPDATE orders SET note = 'n/a'
    """)
    with op.get_context().autocommit_block():
        op.execute(sa.text("CREATE INDEX CONCURRENTLY ix ON orders (note)"))
    op.get_bind().execute(sa.text("DELETE FROM carts"))
    op.execute("DROP TABLE \\x6fld")
'''


def test_alembic_sql_changes_are_located_and_in_the_transaction(fake_sql):
    changes = migration(ALEMBIC_SQL, "alembic/versions/b2_note.py").changes
    got = [(c.name, c.table, c.location.line, c.location.column, c.in_transaction) for c in changes]
    assert got == [
        ("set", "'5s'", line_of(ALEMBIC_SQL, "LOCK = "), 9, True),  # through the name
        ("alter", "text", line_of(ALEMBIC_SQL, "ALTER TABLE"), 9, True),
        ("update", "'n/a'", line_of(ALEMBIC_SQL, "UPDATE orders"), 9, True),
        ("create", "(note)", line_of(ALEMBIC_SQL, "CREATE INDEX"), 29, False),
        ("delete", "carts", line_of(ALEMBIC_SQL, "DELETE FROM"), 36, True),
        # an escape in the source: positions do not map, the string literal is the location
        ("drop", "old", line_of(ALEMBIC_SQL, "DROP TABLE"), 16, True),
    ]


DJANGO_SQL = """\
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = []
    operations = [
        migrations.RunSQL("SET lock_timeout TO '5s'"),
        migrations.RunSQL(
            sql=[
                "CREATE INDEX CONCURRENTLY ix ON books (title)",
                ("UPDATE books SET title = %s", ["x"]),
            ],
            reverse_sql=["DROP INDEX ix"],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RunSQL("DROP TABLE ignored")],
        ),
    ]
"""


def test_django_run_sql_changes(fake_sql):
    m = migration(DJANGO_SQL, "library/migrations/0002_sql.py")
    got = [(c.name, c.table, c.location.line, c.in_transaction) for c in m.changes]
    assert got == [
        ("set", "'5s'", 8, False),
        ("create", "(title)", 11, False),
        ("update", "%s", 12, False),
    ]


def test_sql_changes_from_the_sql_reader():
    """With the real SQL reader (once it describes changes): shifted to the Python file."""
    probe, _ = sql_statements("ALTER TABLE orders ADD COLUMN note text", "x.sql")
    if not any(st.changes for st in probe):
        pytest.skip("the SQL reader does not describe schema changes yet")
    m = migration(ALEMBIC_SQL, "alembic/versions/b2_note.py")
    adds = [c for c in m.changes if c.kind == "add_column"]
    assert [(c.table, c.column, c.location.line, c.in_transaction) for c in adds] == [
        ("orders", "note", line_of(ALEMBIC_SQL, "ALTER TABLE"), True)
    ]
    indexes = [c for c in m.changes if c.kind == "create_index"]
    assert [(c.concurrently, c.in_transaction) for c in indexes] == [(True, False)]


# ---------------------------------------------------------------------------------------------
# Odd but valid Python never stops a file; other files have no Migration


ODD_ALEMBIC = """\
from alembic import op
import sqlalchemy as sa

revision = REVISION_ID
down_revision = f"{BASE}"

TABLES = ["a", "b"]


def upgrade():
    for name in TABLES:
        op.add_column(name, sa.Column(f"{name}_x", sa.Integer()))
        op.create_index(f"ix_{name}", name, [*COLS], **KW)
    op.create_table(*spec)
    op.create_table(TABLE, *columns)
    op.alter_column(**kwargs)
    op.execute(query)
    op.execute(sa.text(f"SELECT {1}"))
    getattr(op, "drop_table")("x")
    op.drop_column()
    op.add_column("t", sa.Column(*parts))
    op.create_check_constraint("ck", "t", condition)
    with op.batch_alter_table(name) as batch:
        batch.drop_column(col)
    (lambda: op.drop_table("y"))()
"""


def test_odd_alembic_code_is_skipped_not_fatal():
    m = migration(ODD_ALEMBIC, "alembic/versions/odd.py")
    assert (m.id, m.parents) == ("", ())
    kinds = [(c.kind, c.table, c.column) for c in m.changes]
    assert ("add_column", "", "") in kinds  # computed table and column: unknown, not guessed
    assert ("create_index", "", "") in kinds
    assert ("drop_table", "y", "") in kinds


ODD_DJANGO = """\
from django.db import migrations, models

OPS = [migrations.DeleteModel("Gone")]


class Migration(migrations.Migration):
    atomic = ATOMIC
    dependencies = DEPS + [("x", NAME)]
    operations = [
        *OPS,
        migrations.CreateModel(**spec),
        migrations.AddField(model, "f", field),
        migrations.AddField("order", f"{x}", models.IntegerField(*a, **k)),
        migrations.CreateModel(name="T", fields=FIELDS, options=opts),
        migrations.RunSQL(sql),
        migrations.RunSQL(f"DROP TABLE {t}"),
        CustomOperation("order"),
        migrations.AddIndex("order", index),
        migrations.RenameModel("A"),
        migrations.AlterModelTable("t", TABLE),
    ]
"""


def test_odd_django_code_is_skipped_not_fatal():
    m = migration(ODD_DJANGO, "shop/migrations/0009_odd.py")
    assert (m.id, m.parents, m.atomic) == ("shop.0009_odd", (), True)
    assert [(c.kind, c.table) for c in m.changes] == [
        ("add_column", "shop_order"),
        ("create_table", "shop_t"),
        ("create_index", "shop_order"),
    ]


def test_files_that_are_not_migrations_have_none():
    assert read("import sqlalchemy as sa\nrevision = 'x'\n", "app/models.py").migration is None
    assert read("x = 1\n", "alembic/versions/__init__.py").migration is None
    assert read("def helper():\n    pass\n", "orders/migrations/utils.py").migration is None


# ---------------------------------------------------------------------------------------------
# ORM models: the columns they map


def orm_tables(source: str, path: str) -> dict[str, TableUse]:
    return {t.table: t for t in read(source, path).tables if t.via == "orm"}


def test_django_model_columns():
    source = textwrap.dedent(
        """\
        from django.db import models


        class Book(models.Model):
            title = models.CharField(max_length=200)
            isbn = models.CharField(max_length=17, db_column="ISBN")
            author = models.ForeignKey("Author", on_delete=models.CASCADE)
            shelf = models.OneToOneField("Shelf", null=True, on_delete=models.SET_NULL)
            tags = models.ManyToManyField("Tag")
            objects = models.Manager()

            class Meta:
                db_table = "books"

            def __str__(self):
                return self.title
        """
    )
    book = orm_tables(source, "library/catalog/models.py")["books"]
    assert book.columns == ("title", "isbn", "author_id", "shelf_id")


def test_sqlalchemy_model_and_table_columns():
    source = textwrap.dedent(
        """\
        import sqlalchemy as sa
        from sqlalchemy import Column, Integer, String, Table
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


        class Base(DeclarativeBase):
            pass


        class Order(Base):
            __tablename__ = "orders"
            __table_args__ = {"schema": "billing"}

            id: Mapped[int] = mapped_column(primary_key=True)
            status: Mapped[str] = mapped_column("order_status", String(20))
            note: Mapped[str | None]
            customer_id = Column(Integer, sa.ForeignKey("customers.id"))
            legacy = Column("LEGACY_CODE", String)
            customer: Mapped["Customer"] = relationship(back_populates="orders")
            total = sa.orm.column_property(id * 2)


        audit = Table(
            "audit_log",
            Base.metadata,
            Column("id", Integer, primary_key=True),
            Column("action", String(40)),
            sa.Index("ix_action", "action"),
        )
        """
    )
    tables = orm_tables(source, "svc/app/models.py")
    assert tables["orders"].columns == ("id", "order_status", "note", "customer_id", "legacy_code")
    assert tables["audit_log"].columns == ("id", "action")


def test_django_partial_or_expression_unique_constraints_are_unique_indexes():
    source = textwrap.dedent(
        """
        from django.db import migrations, models
        from django.db.models.functions import Lower


        class Migration(migrations.Migration):
            dependencies = [("account", "0002_email_verified")]

            operations = [
                migrations.AddConstraint(
                    model_name="emailaddress",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("primary", True)),
                        fields=("user",),
                        name="unique_primary_email",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="emailaddress",
                    constraint=models.UniqueConstraint(Lower("email"), name="unique_lower_email"),
                ),
                migrations.AddConstraint(
                    model_name="emailaddress",
                    constraint=models.UniqueConstraint(fields=("email",), name="unique_email"),
                ),
            ]
        """
    )
    m = migration(source, "account/migrations/0003_constraints.py")
    kinds = [(c.kind, c.name, c.unique, c.constraint) for c in m.changes]
    assert kinds == [
        ("create_index", "unique_primary_email", True, ""),
        ("create_index", "unique_lower_email", True, ""),
        ("add_constraint", "unique_email", False, "unique"),
    ]


def test_django_operations_behind_a_settings_switch_take_the_first_branch():
    source = textwrap.dedent(
        """
        from django.conf import settings
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("account", "0002_email_max_length")]

            operations = (
                [
                    migrations.AddIndex(
                        model_name="emailaddress",
                        index=models.Index(fields=["email"], name="account_email_idx"),
                    ),
                ]
                if getattr(settings, "ACCOUNT_UNIQUE_EMAIL", True)
                else []
            ) + [migrations.RunPython(migrations.RunPython.noop)]
        """
    )
    m = migration(source, "account/migrations/0003_email_idx.py")
    assert [(c.kind, c.name) for c in m.changes] == [("create_index", "account_email_idx")]


def test_a_custom_field_class_is_not_assumed_not_null():
    source = textwrap.dedent(
        """
        from django.db import migrations, models
        import oscar.models.fields


        class Migration(migrations.Migration):
            dependencies = [("catalogue", "0026_x")]
            operations = [
                migrations.AddField(
                    model_name="category",
                    name="code",
                    field=oscar.models.fields.NullCharField(max_length=255, unique=True),
                ),
                migrations.AddField(
                    model_name="category",
                    name="slug",
                    field=oscar.models.fields.AutoSlugField(max_length=255, null=False),
                ),
                migrations.AddField(
                    model_name="category",
                    name="name",
                    field=models.CharField(max_length=255),
                ),
            ]
        """
    )
    m = migration(source, "catalogue/migrations/0027_codes.py")
    assert [(c.column, c.not_null) for c in m.changes if c.kind == "add_column"] == [
        ("code", False),
        ("slug", True),
        ("name", True),
    ]
