"""Table facts from Python migrations: Alembic `op.*` calls and Django migration operations."""

from __future__ import annotations

import ast

import pytest

from archlint.extract.migrations import migration_style, tables_from_migration_call
from archlint.facts import TableUse
from archlint.location import Location

PATH = "svc/migrations/file.py"


def locate(node: ast.AST) -> Location:
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0) + 1
    end_line = getattr(node, "end_lineno", None) or line
    end_col = (getattr(node, "end_col_offset", None) or 0) + 1
    return Location(PATH, line, col, end_line, end_col)


def tables(source: str, style: str, app_label: str = "") -> list[TableUse]:
    out: list[TableUse] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            out.extend(tables_from_migration_call(node, style, app_label, locate))
    return sorted(out, key=lambda u: (u.location.line, u.location.column))


def summary(uses: list[TableUse]) -> list[tuple[str, str, str, str]]:
    return [(u.table, u.op, u.detail, u.model) for u in uses]


ALEMBIC = '''\
"""add orders

Revision ID: 3f2a1b
Revises: 9c8d7e
"""
import sqlalchemy as sa
from alembic import op

revision = "3f2a1b"
down_revision = "9c8d7e"


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("customer_id", sa.BigInteger(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        schema="billing",
    )
    op.add_column("customers", sa.Column("vip", sa.Boolean(), server_default="false"))
    op.create_index("ix_orders_status", "orders", ["status"], schema="billing")
    op.create_foreign_key(
        "fk_invoices_order", "invoices", "orders", ["order_id"], ["id"], referent_schema="billing"
    )
    op.alter_column("customers", "email", existing_type=sa.String(), nullable=False)
    op.alter_column("customers", "name", new_column_name="full_name")
    op.create_unique_constraint("uq_customers_email", "customers", ["email"])
    op.create_check_constraint("ck_positive", table_name="invoices", condition="amount > 0")
    op.rename_table("carts", "baskets")
    op.bulk_insert(sa.table("statuses", sa.column("name")), [{"name": "new"}])
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(sa.Column("ip", sa.String(45)))
    op.execute("UPDATE customers SET vip = false")


def downgrade() -> None:
    op.drop_index("ix_orders_status", table_name="orders", schema="billing")
    op.drop_column("customers", "vip")
    op.drop_constraint("uq_customers_email", "customers", type_="unique")
    op.drop_table("orders", schema="billing")
'''


def test_alembic_revision():
    uses = tables(ALEMBIC, "alembic")
    assert summary(uses) == [
        ("billing.orders", "create", "", ""),
        ("customers", "reference", "", ""),
        ("customers", "alter", "add column vip", ""),
        ("billing.orders", "alter", "create index ix_orders_status", ""),
        ("invoices", "alter", "add foreign key fk_invoices_order", ""),
        ("billing.orders", "reference", "", ""),
        ("customers", "alter", "alter column email", ""),
        ("customers", "alter", "rename column name to full_name", ""),
        ("customers", "alter", "add constraint uq_customers_email", ""),
        ("invoices", "alter", "add constraint ck_positive", ""),
        ("carts", "rename", "baskets", ""),
        ("statuses", "write", "", ""),
        ("sessions", "alter", "", ""),
        ("billing.orders", "alter", "drop index ix_orders_status", ""),
        ("customers", "alter", "drop column vip", ""),
        ("customers", "alter", "drop constraint uq_customers_email", ""),
        ("billing.orders", "drop", "", ""),
    ]
    assert {u.via for u in uses} == {"migration"}
    create = uses[0]
    assert (create.location.line, create.location.column) == (15, 9)  # the "orders" literal
    fk = uses[1]
    assert (fk.location.line, fk.location.column) == (17, 65)  # "customers.id"


def test_alembic_arguments_given_by_keyword_or_computed():
    source = """\
op.create_table(table_name="ledger")
op.add_column(table_name="ledger", column=sa.Column(name="amount"))
op.create_index(index_name="ix", table_name="ledger", columns=["amount"])
op.create_table(TABLE_NAME, sa.Column("id"))
op.create_table(*args)
op.add_column("ledger", column_var)
sa.Column("x", sa.ForeignKey("elsewhere.id"))
batch_op.drop_column("y")
op.get_bind()
"""
    assert summary(tables(source, "alembic")) == [
        ("ledger", "create", "", ""),
        ("ledger", "alter", "add column amount", ""),
        ("ledger", "alter", "create index ix", ""),
        ("ledger", "alter", "add column", ""),
    ]


DJANGO_0001 = """\
from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("customers", "0003_customer_vip"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("status", models.CharField(max_length=20)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="customers.Customer"
                    ),
                ),
                ("parent", models.ForeignKey("self", null=True, on_delete=models.CASCADE)),
                ("created_by", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL)),
                ("tags", models.ManyToManyField(to="catalog.Tag")),
            ],
            options={"db_table": "shop_orders", "ordering": ["-id"]},
        ),
        migrations.CreateModel(
            "OrderLine",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("order", models.ForeignKey("Order", on_delete=models.CASCADE)),
            ],
        ),
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(fields=["order"], name="orders_line_order_idx"),
        ),
    ]
"""

DJANGO_0002 = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="product",
            field=models.ForeignKey(on_delete=models.PROTECT, to="catalog.product"),
        ),
        migrations.AddField("orderline", "quantity", models.PositiveIntegerField(default=1)),
        migrations.AddField(
            model_name="orderline", name="sku", field=models.CharField(db_column="SKU", max_length=40)
        ),
        migrations.RemoveField(model_name="orderline", name="legacy_code"),
        migrations.RenameField(model_name="orderline", old_name="qty", new_name="quantity"),
        migrations.AlterField(
            model_name="orderline", name="quantity", field=models.IntegerField(default=1)
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(check=models.Q(quantity__gt=0), name="qty_positive"),
        ),
        migrations.RenameModel(old_name="Basket", new_name="Cart"),
        migrations.AlterModelTable(name="cart", table="shop_carts"),
        migrations.DeleteModel(name="Wishlist"),
        migrations.RunSQL("UPDATE orders_orderline SET quantity = 1"),
    ]
"""


def test_django_initial_migration():
    uses = tables(DJANGO_0001, "django", "orders")
    assert summary(uses) == [
        ("shop_orders", "create", "", "Order"),
        ("customers_customer", "reference", "", "Customer"),
        ("shop_orders", "reference", "", "Order"),  # "self": the model's own table
        ("shop_orders_tags", "create", "many-to-many", "Order"),  # the join table
        ("catalog_tag", "reference", "", "Tag"),
        ("orders_orderline", "create", "", "OrderLine"),
        ("orders_order", "reference", "", "Order"),  # its db_table is not known from here
        ("orders_orderline", "alter", "create index orders_line_order_idx", "orderline"),
    ]
    assert (uses[0].location.line, uses[0].location.column) == (16, 18)  # name="Order"
    assert {u.via for u in uses} == {"migration"}


def test_django_field_and_model_changes():
    uses = tables(DJANGO_0002, "django", "orders")
    assert summary(uses) == [
        ("orders_orderline", "alter", "add column product_id", "orderline"),
        ("catalog_product", "reference", "", "product"),
        ("orders_orderline", "alter", "add column quantity", "orderline"),
        ("orders_orderline", "alter", "add column sku", "orderline"),
        ("orders_orderline", "alter", "drop column legacy_code", "orderline"),
        ("orders_orderline", "alter", "rename column qty to quantity", "orderline"),
        ("orders_orderline", "alter", "alter column quantity", "orderline"),
        ("orders_orderline", "alter", "add constraint qty_positive", "orderline"),
        ("orders_basket", "rename", "orders_cart", "Basket"),
        ("orders_cart", "rename", "shop_carts", "cart"),
        ("orders_wishlist", "drop", "", "Wishlist"),
    ]


def test_other_styles_and_odd_calls_give_nothing():
    assert tables(ALEMBIC, "") == []
    assert tables(DJANGO_0001, "alembic") == []
    assert tables("migrations.CreateModel(**kwargs)\nmigrations.AddField()\n", "django", "x") == []
    assert (
        tables("op.create_table()\nop.drop_index('ix')\nop.create_table(*cols)\n", "alembic") == []
    )


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("alembic/versions/3f2a1b_add_orders.py", "", "alembic"),
        ("services/billing/migrations/versions/3f2a1b_add.py", "", "alembic"),
        (
            "db/revs/3f2a1b.py",
            "from alembic import op\nimport sqlalchemy as sa\nrevision = 'x'\n",
            "alembic",
        ),
        ("db/revs/3f2a1b.py", "from alembic import context, op\nrevision: str = 'x'\n", "alembic"),
        ("db/revs/3f2a1b.py", "from alembic import op\n", ""),
        ("shop/orders/migrations/0001_initial.py", DJANGO_0001, "django"),
        ("orders/migrations/0002_orderline_product.py", DJANGO_0002, "django"),
        ("orders/migrations/helpers.py", DJANGO_0002, ""),
        ("orders/migrations/0001_initial.py", "x = 1\n", ""),
        ("app/versions/v1.py", "", ""),
        ("app/models.py", "class Migration(migrations.Migration): pass\n", ""),
    ],
)
def test_migration_style(path, text, expected):
    assert migration_style(path, text) == expected
