"""The migration rules' replay: migration order and the schema state each change is judged in."""

from __future__ import annotations

from archlint.facts import SchemaChange
from archlint.location import Location
from archlint.rules.migration_safety import _in_order, _Migration, replay, safe_type_change


def mig(style: str, mid: str, path: str, *changes: SchemaChange, parents=()) -> _Migration:
    return _Migration(style, mid, path, tuple(parents), tuple(changes), Location(path, 1))


def ch(kind: str, table: str, line: int = 1, **kw) -> SchemaChange:
    return SchemaChange(kind, table, Location("m", line), **kw)


def test_flyway_versions_are_ordered_numerically_and_repeatables_last():
    ms = [
        mig("flyway", "10", "db/V10__c.sql"),
        mig("flyway", "9", "db/V9__b.sql"),
        mig("flyway", "db/R__views.sql", "db/R__views.sql"),
        mig("flyway", "1.1", "db/V1_1__a.sql"),
    ]
    assert [m.path for m in _in_order(ms)] == [
        "db/V1_1__a.sql",
        "db/V9__b.sql",
        "db/V10__c.sql",
        "db/R__views.sql",
    ]


def test_alembic_and_django_follow_their_parents_not_the_file_names():
    ms = [
        mig("alembic", "c3", "versions/a_third.py", parents=("b2",)),
        mig("alembic", "a1", "versions/z_first.py"),
        mig("alembic", "b2", "versions/m_second.py", parents=("a1",)),
        mig(
            "django",
            "shop.0002_x",
            "shop/migrations/0002_x.py",
            parents=("auth.0001_initial", "shop.0001_initial"),
        ),
        mig("django", "shop.0001_initial", "shop/migrations/0001_initial.py"),
    ]
    order = [m.id for m in _in_order(ms)]
    assert order.index("a1") < order.index("b2") < order.index("c3")
    assert order.index("shop.0001_initial") < order.index("shop.0002_x")


def test_a_column_added_nullable_then_set_not_null_later_is_seen():
    first = mig("alembic", "a", "a.py", ch("add_column", "orders", column="note", type="text"))
    second = mig(
        "alembic",
        "b",
        "b.py",
        ch("add_column", "orders", column="ref", type="text"),
        ch("set_not_null", "orders", column="ref"),
        ch("alter_field", "orders", column="note", type="text", not_null=True),
        parents=("a",),
    )
    steps = list(replay([first, second]))
    set_ref = steps[2]
    assert set_ref.new_column  # added in the same migration: exempt
    alter_note = steps[3]
    assert not alter_note.new_column
    assert alter_note.before is not None and alter_note.before.not_null is False


def test_new_tables_renames_and_validated_checks_are_tracked():
    m = mig(
        "flyway",
        "1",
        "V1.sql",
        ch("create_table", "public.carts", primary_key=True),
        ch("create_index", "carts", name="carts_user"),
        ch("rename_table", "carts", name="baskets"),
        ch("create_index", "baskets", name="baskets_user"),
        ch(
            "add_constraint",
            "orders",
            constraint="check_not_null",
            column="total",
            name="nn",
            not_valid=True,
        ),
        ch("validate_constraint", "orders", name="nn"),
        ch("set_lock_timeout", ""),
        ch("set_not_null", "orders", column="total"),
    )
    steps = list(replay([m]))
    assert steps[1].new_table and steps[1].table == "carts"
    assert steps[3].new_table  # renamed within the migration: still new
    assert steps[7].checked_not_null and steps[7].lock_timeout
    assert not list(replay([m], exempt_new=False))[1].new_table


def test_safe_type_changes():
    assert safe_type_change("varchar(100)", "text")
    assert safe_type_change("varchar(100)", "varchar(200)")
    assert safe_type_change("varchar(100)", "varchar")
    assert safe_type_change("numeric(10,2)", "numeric(12,2)")
    assert safe_type_change("cidr", "inet")
    assert not safe_type_change("varchar(200)", "varchar(100)")
    assert not safe_type_change("integer", "bigint")
    assert not safe_type_change("numeric(10,2)", "numeric(12,4)")
    assert not safe_type_change("text", "varchar(100)")
    assert not safe_type_change("timestamp", "timestamptz")
    assert safe_type_change("varchar", "text") and safe_type_change("text", "varchar")
    assert not safe_type_change("char(5)", "text")  # char pads: the values change, a rewrite
