"""Statement-level SQL facts: kinds, the tables each statement touches, where, and how a broken
statement is reported without losing the rest of the file."""

from __future__ import annotations

import logging

import pytest

from archlint.extract import sql as sqlmod
from archlint.extract.sql import read_sql, read_sql_facts, sql_migration_style, sql_statements
from archlint.facts import SqlFacts, SqlStatement, TableUse

SECRET = "tok_9fQ2xLmT4vB7nR1sK8dW3yZ6"


def facts(text: str, path: str = "db/migration/V3__orders.sql") -> SqlFacts:
    got, problems = read_sql_facts(text, path)
    assert problems == []
    assert got is not None
    return got


def uses(stmt: SqlStatement) -> list[tuple[str, str, str]]:
    return [(u.table, u.op, u.detail) for u in stmt.tables]


def all_uses(got: SqlFacts) -> list[tuple[str, str, str]]:
    return [use for stmt in got.statements for use in uses(stmt)]


def find(got: SqlFacts, table: str, op: str) -> TableUse:
    return next(u for s in got.statements for u in s.tables if (u.table, u.op) == (table, op))


FLYWAY = f"""\
-- Orders and their lines.
CREATE TABLE orders (
    id          BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    status      TEXT NOT NULL DEFAULT 'new'
);

INSERT INTO partners (name, token)
VALUES ('acme', '{SECRET}' ;

CREATE TABLE order_lines (
    id       BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL,
    sku      TEXT NOT NULL,
    CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
);
CREATE INDEX order_lines_sku_idx ON order_lines (sku);
"""


def test_a_broken_statement_is_one_problem_at_its_line_and_the_others_still_count():
    got, problems = read_sql_facts(FLYWAY, "db/migration/V3__orders.sql")
    assert got is not None
    assert [p.location.line for p in problems] == [8]
    message = problems[0].message
    assert message.startswith("SQL statement could not be parsed (sqlglot: ")
    assert SECRET not in message and "acme" not in message and "partners" not in message
    assert [(s.kind, s.location.line) for s in got.statements] == [
        ("create_table", 2),
        ("insert", 8),  # read at token level: the intent still counts
        ("create_table", 11),
        ("create_index", 17),
    ]
    assert all_uses(got) == [
        ("orders", "create", ""),
        ("customers", "reference", ""),
        ("partners", "write", ""),
        ("order_lines", "create", ""),
        ("orders", "reference", ""),
        ("order_lines", "alter", "create index order_lines_sku_idx"),
    ]
    assert (got.migration, got.version, got.dialect) == ("flyway", "3", "postgres")


def test_table_locations_are_the_names_in_the_file():
    got = facts(FLYWAY.replace(f"'{SECRET}' ;", f"'{SECRET}');"))
    orders = find(got, "orders", "create")
    assert (orders.location.line, orders.location.column, orders.location.end_column) == (2, 14, 20)
    assert orders.location.path == "db/migration/V3__orders.sql"
    assert orders.via == "sql"
    ref = find(got, "customers", "reference")
    assert (ref.location.line, ref.location.column, ref.location.end_column) == (4, 44, 53)
    idx = find(got, "order_lines", "alter")
    assert (idx.location.line, idx.location.column) == (17, 37)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("db/migration/V3__add.sql", "", ("flyway", "3")),
        ("sql/V1_2__x.sql", "", ("flyway", "1.2")),
        ("V1.2.7__x.sql", "", ("flyway", "1.2.7")),
        ("db/R__views.sql", "", ("flyway", "")),
        ("db/U4__undo.sql", "", ("flyway", "4")),
        ("changelog/001.sql", "-- liquibase formatted sql\n", ("liquibase", "")),
        ("db/V1__x.sql", "--liquibase formatted sql\n", ("liquibase", "")),
        ("app/migrations/0001_init.up.sql", "", ("plain", "")),
        ("schema/tables.sql", "", ("plain", "")),
        ("reports/monthly.sql", "", ("", "")),
        ("V3_add.sql", "", ("", "")),
    ],
)
def test_migration_style(path, text, expected):
    assert sql_migration_style(path, text) == expected


def test_liquibase_formatted_sql_changesets_and_rollbacks():
    text = """\
--liquibase formatted sql

--changeset alice:1
CREATE TABLE invoices (id bigint PRIMARY KEY, amount_cents bigint NOT NULL);
--rollback DROP TABLE invoices;

--changeset bob:2 runOnChange:true
ALTER TABLE invoices ADD COLUMN currency char(3);
--rollback ALTER TABLE invoices DROP COLUMN currency;
"""
    got = facts(text, "src/main/resources/db/changelog/changes.sql")
    assert got.migration == "liquibase"
    assert [(s.kind, s.location.line) for s in got.statements] == [
        ("create_table", 4),
        ("alter_table", 8),
    ]
    assert all_uses(got) == [
        ("invoices", "create", ""),
        ("invoices", "alter", "add column currency"),
    ]


def test_dollar_quoted_function_body_is_one_statement():
    text = """\
CREATE OR REPLACE FUNCTION audit_orders() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO audit_log (table_name, row_id) VALUES ('orders', NEW.id);
    RETURN NEW;
END;
$body$;

CREATE TRIGGER orders_audit AFTER INSERT ON orders
    FOR EACH ROW EXECUTE FUNCTION audit_orders();

DO $$
BEGIN
    UPDATE orders SET status = 'new' WHERE status IS NULL;
END
$$;
"""
    got = facts(text)
    assert [(s.kind, s.location.line) for s in got.statements] == [
        ("create_function", 1),
        ("create_trigger", 9),
        ("do", 12),
    ]
    assert all_uses(got) == [("orders", "alter", "create trigger orders_audit")]


def test_transactions_psql_meta_commands_and_flyway_placeholders():
    text = """\
\\connect billing
\\set ON_ERROR_STOP on
BEGIN;
CREATE TABLE ${schema}.ledger (id bigint PRIMARY KEY);
INSERT INTO ${schema}.ledger (id) VALUES (1);
CREATE TABLE audit_${env} (id bigint);
COMMIT;
"""
    got = facts(text)
    assert [s.kind for s in got.statements] == [
        "begin",
        "create_table",
        "insert",
        "create_table",
        "commit",
    ]
    assert all_uses(got) == [
        ("ledger", "create", ""),  # the placeholder schema differs per environment
        ("ledger", "write", ""),
        ("audit_${env}", "create", ""),
    ]
    assert find(got, "ledger", "create").location.line == 4


def test_cte_names_are_not_tables_and_joins_are_reads():
    text = """\
WITH recent AS (
    SELECT o.id, o.customer_id FROM billing.orders o WHERE o.created_at > now() - interval '1 day'
)
SELECT c.email, r.id
FROM recent r
JOIN "Customers" c ON c.id = r.customer_id
LEFT JOIN public.addresses a ON a.customer_id = c.id;
"""
    (stmt,) = facts(text, "reports/daily.sql").statements
    assert stmt.kind == "select"
    assert sorted(uses(stmt)) == [
        ("billing.orders", "read", ""),
        ("customers", "read", ""),
        ("public.addresses", "read", ""),
    ]
    customers = next(u for u in stmt.tables if u.table == "customers")
    assert (customers.location.line, customers.location.column) == (6, 6)


def test_dml_writes_and_reads():
    text = """\
INSERT INTO archive.orders SELECT * FROM orders WHERE status = 'done';
UPDATE orders SET total = l.total FROM order_totals l WHERE l.order_id = orders.id;
DELETE FROM sessions USING users WHERE sessions.user_id = users.id AND users.banned;
TRUNCATE TABLE staging_orders, staging_lines;
WITH moved AS (DELETE FROM queue WHERE id < 10 RETURNING *) INSERT INTO done SELECT * FROM moved;
"""
    got = facts(text, "jobs/cleanup.sql")
    assert [(s.kind, sorted(uses(s))) for s in got.statements] == [
        ("insert", [("archive.orders", "write", ""), ("orders", "read", "")]),
        ("update", [("order_totals", "read", ""), ("orders", "write", "")]),
        ("delete", [("sessions", "write", ""), ("users", "read", "")]),
        ("truncate", [("staging_lines", "write", ""), ("staging_orders", "write", "")]),
        ("insert", [("done", "write", ""), ("queue", "write", "")]),
    ]
    assert got.migration == ""


def test_alter_table_forms():
    text = """\
ALTER TABLE orders ADD COLUMN note text;
ALTER TABLE orders DROP COLUMN legacy_flag;
ALTER TABLE orders RENAME COLUMN note TO remark;
ALTER TABLE orders RENAME TO purchases;
ALTER TABLE ONLY purchases ADD CONSTRAINT purchases_customer_fk
    FOREIGN KEY (customer_id) REFERENCES billing.customers (id);
ALTER TABLE purchases ALTER COLUMN remark SET NOT NULL, ADD COLUMN paid_at timestamptz;
ALTER TABLE purchases ALTER COLUMN remark SET STATISTICS 500;
ALTER TABLE purchases OWNER TO app;
DROP TABLE IF EXISTS old_orders, old_lines CASCADE;
DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;
CREATE UNIQUE INDEX CONCURRENTLY purchases_ref_idx ON purchases (ref);
"""
    got = facts(text)
    assert [(s.kind, uses(s)) for s in got.statements] == [
        ("alter_table", [("orders", "alter", "add column note")]),
        ("alter_table", [("orders", "alter", "drop column legacy_flag")]),
        ("alter_table", [("orders", "alter", "rename column note to remark")]),
        ("rename_table", [("orders", "rename", "purchases")]),
        (
            "alter_table",
            [
                ("purchases", "alter", "add constraint purchases_customer_fk"),
                ("billing.customers", "reference", ""),
            ],
        ),
        (
            "alter_table",
            [
                ("purchases", "alter", "alter column remark"),
                ("purchases", "alter", "add column paid_at"),
            ],
        ),
        # sqlglot keeps these two as opaque Commands: read at token level
        ("alter_table", [("purchases", "alter", "alter column remark")]),
        ("alter_table", [("purchases", "alter", "")]),
        ("drop_table", [("old_orders", "drop", ""), ("old_lines", "drop", "")]),
        ("drop_index", []),
        ("create_index", [("purchases", "alter", "create index purchases_ref_idx")]),
    ]


def test_views_temp_tables_and_partitions():
    text = """\
CREATE TEMP TABLE tmp_ids AS SELECT id FROM orders;
DELETE FROM tmp_ids WHERE id < 0;
CREATE MATERIALIZED VIEW order_stats AS SELECT count(*) FROM orders JOIN tmp_ids USING (id);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE "Audit" (LIKE events INCLUDING ALL);
"""
    got = facts(text)
    assert [(s.kind, uses(s)) for s in got.statements] == [
        ("create_table", [("orders", "read", "")]),
        ("delete", []),
        (
            "create_view",
            [("order_stats", "create", "materialized view"), ("orders", "read", "")],
        ),
        (
            "create_table",
            [("events_2024", "create", ""), ("events", "alter", "attach partition events_2024")],
        ),
        ("create_table", [("audit", "create", ""), ("events", "read", "")]),
    ]


def test_catalog_tables_are_not_application_tables():
    text = "SELECT 1 FROM pg_catalog.pg_class JOIN pg_namespace n ON true;\n"
    text += "SELECT * FROM information_schema.tables;\n"
    assert all_uses(facts(text)) == []


def test_pg_dump_copy_data_is_skipped():
    text = """\
SET statement_timeout = 0;
COPY public.orders (id, note) FROM stdin;
1\tit's here; DROP TABLE nope
2\tx
\\.

SELECT pg_catalog.setval('public.orders_id_seq', 2, true);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
"""
    got = facts(text)
    assert [s.kind for s in got.statements] == ["set", "copy", "select", "alter_table"]
    assert all_uses(got) == [
        ("public.orders", "write", ""),
        ("public.orders", "alter", "add constraint orders_pkey"),
    ]


def test_begin_atomic_function_body_stays_whole():
    text = """\
CREATE FUNCTION add(a integer, b integer) RETURNS integer
    LANGUAGE SQL IMMUTABLE
BEGIN ATOMIC
    SELECT a + b;
END;
CREATE TABLE after_fn (id int);
"""
    got = facts(text)
    assert [(s.kind, s.location.line) for s in got.statements] == [
        ("create_function", 1),
        ("create_table", 6),
    ]


def test_valid_postgres_that_sqlglot_cannot_parse_is_not_a_problem():
    got = facts("CLUSTER orders USING orders_pkey;\nCHECKPOINT;\nVACUUM ANALYZE orders;\n")
    assert [s.kind for s in got.statements] == ["cluster", "checkpoint", "vacuum"]


def test_unknown_words_are_problems():
    got, problems = read_sql_facts("SELECT 1;\nCLUSTR orders;\nGO\n", "x.sql")
    assert [p.location.line for p in problems] == [2, 3]
    assert got is not None and len(got.statements) == 3


def test_sql_embedded_in_a_string_is_located_relative_to_the_string():
    sql = "\n    SELECT o.id\n    FROM orders o\n    JOIN customers c ON c.id = o.customer_id\n"
    statements, problems = sql_statements(sql, "svc/repo.py")
    assert problems == []
    (stmt,) = statements
    assert stmt.kind == "select"
    assert stmt.location.line == 2
    assert [(u.table, u.op, u.location.line, u.location.column) for u in stmt.tables] == [
        ("orders", "read", 3, 10),
        ("customers", "read", 4, 10),
    ]
    assert stmt.tables[0].location.path == "svc/repo.py"


def test_untokenizable_sql():
    statements, problems = sql_statements("SELECT 'unterminated", "svc/repo.py")
    assert statements == []
    assert problems[0].message.startswith("SQL could not be tokenized")
    assert read_sql_facts("SELECT 'open", "x.sql")[0] is None


def test_huge_statements_fall_back_to_the_token_level_reading(monkeypatch):
    monkeypatch.setattr(sqlmod, "_MAX_PARSE_TOKENS", 50)
    values = ", ".join(f"({i}, 'x')" for i in range(100))
    text = f"INSERT INTO t (a, b) SELECT * FROM (VALUES {values}) v JOIN src s ON s.a = v.a;\n"
    text += "CREATE TABLE big (" + ", ".join(f"c{i} int" for i in range(40)) + ");\n"
    got = facts(text)
    assert [(s.kind, uses(s)) for s in got.statements] == [
        ("insert", [("t", "write", ""), ("src", "read", "")]),
        ("create_table", [("big", "create", "")]),
    ]


def test_deep_nesting_is_read_without_a_problem():
    text = "SELECT " + "(" * 3000 + "1" + ")" * 3000 + " FROM deep_table;\n"
    got = facts(text)
    assert all_uses(got) == [("deep_table", "read", "")]


def test_the_fast_insert_path_matches_the_parser():
    rows = "INSERT INTO public.\"Users\" (id, name, note, \"type\") VALUES (1, 'a', NULL, DEFAULT), (-2, E'b', 'c', TRUE);\n"
    got = facts(rows)
    (stmt,) = got.statements
    assert (stmt.kind, uses(stmt)) == ("insert", [("public.users", "write", "")])
    assert (stmt.tables[0].location.column, stmt.tables[0].location.end_column) == (13, 27)
    assert sqlmod._fast_insert(sqlmod._dialect("postgres").tokenize(rows)[:-1]) is not None
    for not_fast in (
        "INSERT INTO t VALUES (now())",
        "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING",
        "INSERT INTO t (a) SELECT 1",
        "INSERT INTO t VALUES (1,)",
    ):
        assert sqlmod._fast_insert(sqlmod._dialect("postgres").tokenize(not_fast)) is None


def test_read_sql_hands_its_tokens_to_the_statement_reader():
    text = "CREATE USER app WITH PASSWORD 'pw-1234567';\nINSERT INTO t (a) VALUES (1);\n"
    values, problem = read_sql(text, "db/V1__x.sql")
    assert problem is None and [v.name for v in values] == ["password"]
    assert sqlmod._token_memo and sqlmod._token_memo[0][0] is text
    got, _ = read_sql_facts(text, "db/V1__x.sql")
    assert sqlmod._token_memo == []
    assert got is not None and [s.kind for s in got.statements] == ["create_user", "insert"]
    # another string with the same content is tokenized anew, the slot stays empty
    assert read_sql_facts(text + "", "db/V1__x.sql")[0] == got


def test_sqlglot_never_logs_scanned_sql(caplog, capsys):
    caplog.set_level(logging.DEBUG)
    facts(f"CREATE EXTENSION IF NOT EXISTS pgcrypto; ALTER ROLE x WITH PASSWORD '{SECRET}';\n")
    assert SECRET not in caplog.text
    assert SECRET not in capsys.readouterr().err


def test_placeholders_in_names_read_at_token_level(monkeypatch):
    monkeypatch.setattr(sqlmod, "_MAX_PARSE_TOKENS", 3)
    text = "CREATE TABLE ${schema}.ledger (id bigint);\nCREATE TABLE audit_${env} (id bigint);\n"
    text += "ALTER TABLE price$list ADD x int;\n"
    assert all_uses(facts(text)) == [
        ("ledger", "create", ""),
        ("audit_${env}", "create", ""),
        ("price$list", "alter", "add column x"),
    ]
