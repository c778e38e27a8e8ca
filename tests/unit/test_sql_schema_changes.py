"""Schema and data changes of SQL migration statements (`SqlStatement.changes`), as the
migration-safety rules read them: one SchemaChange per change, at the line that makes it."""

from __future__ import annotations

from archlint.extract import sql as sqlmod
from archlint.extract.sql import sql_statements
from archlint.facts import SchemaChange, SqlStatement


def statements(sql: str) -> list[SqlStatement]:
    got, _problems = sql_statements(sql, "V1__x.sql")
    return got


def changes(sql: str) -> list[SchemaChange]:
    return [change for stmt in statements(sql) for change in stmt.changes]


def kinds(sql: str) -> list[tuple[str, str]]:
    return [(c.kind, c.table) for c in changes(sql)]


def test_create_table_and_its_columns():
    sql = """\
CREATE TABLE IF NOT EXISTS billing.invoices (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    number      character varying(255) NOT NULL DEFAULT 'draft'::text,
    public_id   uuid DEFAULT gen_random_uuid(),
    issued_at   timestamp with time zone DEFAULT now(),
    tags        text[],
    note        text DEFAULT NULL
);
"""
    table, *columns = changes(sql)
    assert (table.kind, table.table, table.primary_key) == (
        "create_table",
        "billing.invoices",
        True,
    )
    assert table.location.line == 1
    assert all(c.kind == "define_column" and c.table == "billing.invoices" for c in columns)
    got = [(c.column, c.type, c.not_null, c.default, c.location.line) for c in columns]
    assert got == [
        ("id", "bigserial", True, "volatile", 2),
        ("customer_id", "bigint", True, "", 3),
        ("number", "varchar(255)", True, "constant", 4),
        ("public_id", "uuid", False, "volatile", 5),
        ("issued_at", "timestamptz", False, "constant", 6),
        ("tags", "text[]", False, "", 7),
        ("note", "text", False, "", 8),
    ]
    assert columns[0].primary_key and not columns[1].primary_key


def test_create_table_primary_key_as_a_table_constraint_or_missing():
    with_key = changes(
        "CREATE TABLE order_lines (\n  order_id bigint,\n  line int,\n"
        "  CONSTRAINT order_lines_pk PRIMARY KEY (order_id, line)\n);"
    )
    assert with_key[0].primary_key
    assert [(c.column, c.not_null) for c in with_key[1:]] == [("order_id", True), ("line", True)]
    without = changes("CREATE TABLE audit_log (at timestamptz NOT NULL, message text);")
    assert (without[0].kind, without[0].primary_key) == ("create_table", False)
    unique_only = changes("CREATE TABLE t (code text, UNIQUE (code));")
    assert not unique_only[0].primary_key


def test_tables_whose_columns_come_from_elsewhere_count_as_keyed_and_temp_tables_are_skipped():
    sql = """\
CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE orders_copy AS SELECT * FROM orders;
CREATE TABLE orders_like (LIKE orders INCLUDING ALL, extra int);
CREATE TEMP TABLE scratch (id int);
ALTER TABLE scratch ADD COLUMN note text;
INSERT INTO scratch SELECT id FROM orders;
DROP TABLE scratch;
"""
    got = changes(sql)
    assert [(c.kind, c.table, c.primary_key) for c in got if c.kind == "create_table"] == [
        ("create_table", "orders_2024", True),
        ("create_table", "orders_copy", True),
        ("create_table", "orders_like", True),
    ]
    assert [(c.kind, c.column) for c in got if c.kind == "define_column"] == [
        ("define_column", "extra")
    ]
    assert not any(c.table == "scratch" for c in got)


def test_add_column_defaults_constant_volatile_and_serial():
    sql = """\
ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE orders ADD COLUMN IF NOT EXISTS seq bigserial;
ALTER TABLE orders ADD note character varying(255);
ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;
ALTER TABLE orders ADD COLUMN code text UNIQUE;
"""
    got = [(c.kind, c.column, c.type, c.not_null, c.default, c.unique) for c in changes(sql)]
    assert got == [
        ("add_column", "created_at", "timestamptz", True, "constant", False),
        ("add_column", "public_id", "uuid", True, "volatile", False),
        ("add_column", "seq", "bigserial", False, "volatile", False),
        ("add_column", "note", "varchar(255)", False, "", False),
        ("add_column", "n", "integer", False, "volatile", False),
        ("add_column", "code", "text", False, "", True),
    ]


def test_add_column_with_inline_references_or_check_adds_a_constraint_too():
    got = changes(
        "ALTER TABLE orders ADD COLUMN shop_id bigint CONSTRAINT orders_shop_fk REFERENCES shops (id);\n"
        "ALTER TABLE orders ADD COLUMN qty int CHECK (qty > 0);\n"
    )
    assert [(c.kind, c.column, c.constraint, c.name, c.not_valid) for c in got] == [
        ("add_column", "shop_id", "", "", False),
        ("add_constraint", "shop_id", "foreign_key", "orders_shop_fk", False),
        ("add_column", "qty", "", "", False),
        ("add_constraint", "", "check", "", False),
    ]


def test_multi_clause_alter_table_is_one_change_per_clause_at_its_line():
    sql = """\
ALTER TABLE ONLY public.orders
    ADD COLUMN note text,
    DROP COLUMN IF EXISTS legacy CASCADE,
    ALTER COLUMN status TYPE varchar(40) USING status::varchar(40),
    ALTER total SET DATA TYPE numeric(12, 2),
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN note DROP NOT NULL,
    ALTER COLUMN note SET DEFAULT 'x',
    RENAME CONSTRAINT a TO b;
"""
    got = [(c.kind, c.table, c.column, c.type, c.location.line) for c in changes(sql)]
    assert got == [
        ("add_column", "public.orders", "note", "text", 2),
        ("drop_column", "public.orders", "legacy", "", 3),
        ("alter_type", "public.orders", "status", "varchar(40)", 4),
        ("alter_type", "public.orders", "total", "numeric(12,2)", 5),
        ("set_not_null", "public.orders", "status", "", 6),
        ("drop_not_null", "public.orders", "note", "", 7),
    ]


def test_alter_type_knows_the_old_type_defined_earlier_in_the_file():
    sql = "CREATE TABLE t (id int PRIMARY KEY, code varchar(10));\n"
    sql += "ALTER TABLE t RENAME COLUMN code TO ref;\n"
    sql += "ALTER TABLE t ALTER COLUMN ref TYPE varchar(50);\n"
    sql += "ALTER TABLE u ALTER COLUMN x TYPE bigint;\n"
    got = [(c.column, c.type, c.old_type) for c in changes(sql) if c.kind == "alter_type"]
    assert got == [("ref", "varchar(50)", "varchar(10)"), ("x", "bigint", "")]


def test_renames():
    got = changes(
        'ALTER TABLE orders RENAME COLUMN "Total" TO amount;\n'
        "ALTER TABLE orders RENAME status TO state;\n"
        "ALTER TABLE IF EXISTS orders RENAME TO purchases;\n"
    )
    assert [(c.kind, c.table, c.column, c.name) for c in got] == [
        ("rename_column", "orders", "total", "amount"),
        ("rename_column", "orders", "status", "state"),
        ("rename_table", "orders", "", "purchases"),
    ]


def test_not_valid_constraint_then_validate():
    sql = """\
ALTER TABLE orders
    ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
    REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);
"""
    fk, validate, check = changes(sql)
    assert (fk.kind, fk.constraint, fk.name, fk.column, fk.not_valid) == (
        "add_constraint",
        "foreign_key",
        "orders_customer_fk",
        "customer_id",
        True,
    )
    assert fk.location.line == 2
    assert (validate.kind, validate.table, validate.name) == (
        "validate_constraint",
        "orders",
        "orders_customer_fk",
    )
    assert (check.constraint, check.not_valid, check.column) == ("check", False, "")


def test_check_is_not_null_is_its_own_constraint_kind():
    sql = """\
ALTER TABLE orders ADD CONSTRAINT orders_status_nn CHECK ((status IS NOT NULL)) NOT VALID;
ALTER TABLE orders ADD CONSTRAINT c2 CHECK (status IS NOT NULL AND total > 0);
ALTER TABLE orders ADD CONSTRAINT c3 CHECK (("Status" IS NOT NULL));
"""
    got = [(c.constraint, c.column, c.not_valid) for c in changes(sql)]
    assert got == [
        ("check_not_null", "status", True),
        ("check", "", False),
        ("check_not_null", "status", False),
    ]


def test_unique_and_primary_key_using_an_index_and_exclusion():
    sql = """\
CREATE UNIQUE INDEX CONCURRENTLY orders_code_idx ON orders (code);
ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_idx;
ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;
ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref) USING INDEX TABLESPACE fast;
ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
ALTER TABLE orders ADD PRIMARY KEY (id);
"""
    got = [(c.kind, c.constraint, c.name, c.column, c.using_index) for c in changes(sql)]
    assert got == [
        ("create_index", "", "orders_code_idx", "", False),
        ("add_constraint", "unique", "orders_code_key", "", True),
        ("add_constraint", "primary_key", "orders_pkey", "", True),
        ("add_constraint", "unique", "orders_ref_key", "ref", False),
        ("add_constraint", "exclusion", "no_overlap", "", False),
        ("add_constraint", "primary_key", "", "id", False),
    ]


def test_create_index_concurrently_and_its_look_alikes():
    sql = """\
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);
CREATE INDEX orders_created_idx ON public.orders USING btree (created_at);
CREATE UNIQUE INDEX orders_ref_key ON orders (lower(ref)) WHERE deleted_at IS NULL;
CREATE INDEX ON orders (customer_id);
CREATE INDEX orders_part_idx ON ONLY orders (placed_at);
"""
    stmts, problems = sql_statements(sql, "V1__x.sql")
    assert problems == []  # `ON ONLY` is valid PostgreSQL sqlglot cannot parse
    got = [(c.kind, c.table, c.name, c.concurrently, c.unique) for s in stmts for c in s.changes]
    assert got == [
        ("create_index", "orders", "orders_status_idx", True, False),
        ("create_index", "public.orders", "orders_created_idx", False, False),
        ("create_index", "orders", "orders_ref_key", False, True),
        ("create_index", "orders", "", False, False),
        ("create_index", "orders", "orders_part_idx", False, False),
    ]


def test_drop_table_and_drop_index():
    got = changes(
        "DROP TABLE IF EXISTS legacy_orders, billing.old_invoices CASCADE;\n"
        "DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_idx;\n"
        "DROP INDEX orders_a_idx, orders_b_idx;\n"
        "DROP VIEW order_totals;\n"
    )
    assert [(c.kind, c.table, c.name, c.concurrently) for c in got] == [
        ("drop_table", "legacy_orders", "", False),
        ("drop_table", "billing.old_invoices", "", False),
        ("drop_index", "", "public.orders_status_idx", True),
        ("drop_index", "", "orders_a_idx", False),
        ("drop_index", "", "orders_b_idx", False),
    ]


def test_lock_timeout_is_set_unless_turned_off():
    sql = """\
SET lock_timeout = '5s';
SET LOCAL lock_timeout TO 2000;
SET SESSION lock_timeout = '1min';
SELECT set_config('lock_timeout', '3s', true);
SET lock_timeout = 0;
SET lock_timeout TO '0';
SET lock_timeout TO DEFAULT;
SET statement_timeout = '5s';
RESET lock_timeout;
"""
    stmts = statements(sql)
    assert [len(s.changes) for s in stmts] == [1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert all(c.kind == "set_lock_timeout" and c.table == "" for s in stmts for c in s.changes)


def test_data_changes_and_their_where_clauses():
    sql = """\
UPDATE orders SET status = 'archived';
UPDATE orders o SET status = 'open' WHERE o.closed_at IS NULL;
UPDATE orders SET total = (SELECT sum(amount) FROM lines l WHERE l.order_id = orders.id);
DELETE FROM ONLY sessions WHERE expires_at < now();
DELETE FROM carts;
INSERT INTO audit (what) SELECT 'x' FROM orders WHERE id > 3;
INSERT INTO settings (key, value) VALUES ('a', '1');
WITH gone AS (DELETE FROM events WHERE at < now() RETURNING *) INSERT INTO events_archive SELECT * FROM gone;
TRUNCATE TABLE staging, imports;
SELECT * FROM orders FOR UPDATE;
INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 2;
"""
    got = [(c.kind, c.table, c.where) for c in changes(sql) if c.kind != "insert"]
    assert got == [
        ("update", "orders", False),
        ("update", "orders", True),
        ("update", "orders", False),
        ("delete", "sessions", True),
        ("delete", "carts", False),
        ("delete", "events", True),
        ("delete", "staging", False),
        ("delete", "imports", False),
    ]
    inserts = [c.table for c in changes(sql) if c.kind == "insert"]
    assert inserts == ["audit", "settings", "events_archive", "t"]


def test_begin_commit_marks_the_changes_in_between():
    sql = """\
ALTER TABLE a ADD COLUMN x int;
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE b ADD COLUMN y int;
COMMIT;
CREATE INDEX CONCURRENTLY c_idx ON c (z);
START TRANSACTION ISOLATION LEVEL SERIALIZABLE;
UPDATE d SET v = 1 WHERE id = 2;
SAVEPOINT s;
ROLLBACK TO SAVEPOINT s;
DELETE FROM d WHERE id = 3;
END;
DROP TABLE e;
BEGIN TRANSACTION;
DROP TABLE f;
ROLLBACK;
DROP TABLE g;
"""
    got = [(c.kind, c.table, c.in_transaction) for c in changes(sql)]
    assert got == [
        ("add_column", "a", False),
        ("set_lock_timeout", "", True),
        ("add_column", "b", True),
        ("create_index", "c", False),
        ("update", "d", True),
        ("delete", "d", True),
        ("drop_table", "e", False),
        ("drop_table", "f", True),
        ("drop_table", "g", False),
    ]


def test_do_blocks_and_begin_atomic_bodies_are_not_transactions():
    sql = """\
DO $$
BEGIN
    UPDATE orders SET status = 'x';
END
$$;
ALTER TABLE a ADD COLUMN x int;
CREATE FUNCTION bump() RETURNS void LANGUAGE sql
BEGIN ATOMIC
    UPDATE counters SET n = n + 1;
END;
ALTER TABLE b ADD COLUMN y int;
"""
    got = [(c.kind, c.table, c.in_transaction) for c in changes(sql)]
    # the bodies run later (or are opaque PL/pgSQL): no change of theirs is read
    assert got == [("add_column", "a", False), ("add_column", "b", False)]


def test_flyway_placeholders_and_quoted_names():
    got = changes(
        'ALTER TABLE ${schema}.orders ADD COLUMN "Note" text;\n'
        'CREATE INDEX idx ON "Billing"."Invoices" (id);\n'
    )
    assert [(c.kind, c.table, c.column) for c in got] == [
        ("add_column", "orders", "note"),
        ("create_index", "billing.invoices", ""),
    ]


def test_a_statement_sqlglot_cannot_parse_still_has_its_changes():
    sql = (
        "ALTER TABLE orders ADD COLUMN note text;\n"
        "CREATE TABLE blobs (id bigint PRIMARY KEY, body text COMPRESSION lz4 NOT NULL);\n"
        "ALTER TABLE orders DROP COLUMN note;\n"
    )
    stmts, _problems = sql_statements(sql, "V1__x.sql")
    got = [(c.kind, c.table, c.column, c.not_null) for s in stmts for c in s.changes]
    assert got == [
        ("add_column", "orders", "note", False),
        ("create_table", "blobs", "", False),
        ("define_column", "blobs", "id", True),
        ("define_column", "blobs", "body", True),
        ("drop_column", "orders", "note", False),
    ]


def test_odd_statements_never_raise_and_cost_only_their_own_changes(monkeypatch):
    odd = [
        "ALTER TABLE",
        "ALTER TABLE t ADD",
        "ALTER TABLE t ADD CONSTRAINT",
        "ALTER TABLE t ALTER COLUMN",
        "ALTER TABLE t RENAME COLUMN a TO",
        "CREATE TABLE t (",
        "CREATE INDEX ON",
        "DROP INDEX",
        "SET lock_timeout",
        "UPDATE",
        "ALTER TABLE t ADD CONSTRAINT c CHECK ((((",
        "SELECT set_config(",
    ]
    for text in odd:
        statements(text)  # no exception
    sql = "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\n"

    def boom(chunk: object, found: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sqlmod, "_schema_changes", boom)
    stmts = statements(sql)
    assert [s.kind for s in stmts] == ["alter_table", "alter_table"]
    assert all(s.changes == () for s in stmts)


def test_huge_statements_are_read_at_token_level(monkeypatch):
    monkeypatch.setattr(sqlmod, "_MAX_PARSE_TOKENS", 20)
    sql = "ALTER TABLE orders " + ", ".join(f"ADD COLUMN c{i} int" for i in range(30)) + ";\n"
    sql += "UPDATE orders SET c1 = 1, c2 = 2 WHERE " + " OR ".join(f"id = {i}" for i in range(30))
    stmts = statements(sql)
    assert [c.column for c in stmts[0].changes] == [f"c{i}" for i in range(30)]
    assert [(c.kind, c.where) for c in stmts[1].changes] == [("update", True)]
    assert stmts[1].tables[0].columns == ("c1", "c2")


def test_table_uses_carry_the_columns_a_query_names():
    sql = """\
SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id;
UPDATE orders SET status = 'x' WHERE legacy_flag;
INSERT INTO audit (what, at) VALUES ('x', now());
INSERT INTO events (kind, payload) VALUES ('a', 'b'), ('c', 'd');
SELECT status FROM orders;
"""
    got = [[(u.table, u.op, u.columns) for u in s.tables] for s in statements(sql)]
    assert got == [
        [("orders", "read", ("id", "total", "customer_id")), ("customers", "read", ("name", "id"))],
        [("orders", "write", ("status", "legacy_flag"))],
        [("audit", "write", ("what", "at"))],
        [("events", "write", ("kind", "payload"))],
        [("orders", "read", ("status",))],
    ]
