"""What the migration readers (SQL, Alembic, Django) share when they describe a column: one
spelling of SQL types and one judgement of defaults, so a `varchar(100)` written as
`sa.String(100)`, `models.CharField(max_length=100)` or `character varying(100)` compares equal.
"""

from __future__ import annotations

import re

# PostgreSQL functions whose value differs per row: a column added with one as its default is
# written row by row (a table rewrite under an ACCESS EXCLUSIVE lock). now() / current_timestamp
# are STABLE (one value per statement), so PostgreSQL 11+ stores them as a fast default.
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "clock_timestamp",
        "timeofday",
        "statement_timestamp",  # stable in fact, but often meant per row; kept conservative
        "nextval",
        "txid_current",
        "setseed",
    }
)
_VOLATILE = re.compile(r"\b(" + "|".join(sorted(VOLATILE_FUNCTIONS)) + r")\s*\(", re.IGNORECASE)
# Types whose columns get a sequence default: adding one fills every row (nextval is volatile).
_SERIAL = re.compile(r"\A(small|big)?serial\d?\Z")


def default_kind(expression: str | None) -> str:
    """ "" when there is no default, "volatile" when it calls a volatile function, else
    "constant"."""
    if expression is None:
        return ""
    text = expression.strip()
    if not text or text.lower() == "null":
        return ""
    return "volatile" if _VOLATILE.search(text) else "constant"


def is_serial(sql_type: str) -> bool:
    return bool(_SERIAL.match(normalise_type(sql_type)))


_ALIASES = {
    "character varying": "varchar",
    "char varying": "varchar",
    "character": "char",
    "int": "integer",
    "int4": "integer",
    "int2": "smallint",
    "int8": "bigint",
    "float8": "double precision",
    "double": "double precision",
    "float4": "real",
    "bool": "boolean",
    "decimal": "numeric",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
    "serial4": "serial",
    "serial8": "bigserial",
}


# `int[]`, `text [][]`, `integer[3]`, `int ARRAY[4]`: PostgreSQL ignores the sizes, so do we.
_ARRAY = re.compile(r"(?:\s*\[\s*\d*\s*\])+\Z|\s+array(?:\s*\[\s*\d*\s*\])?\Z")
# `timestamp(3) with time zone`: the precision sits inside the words of the type's name.
_ZONED = re.compile(r"\A(timestamp|time)(\(\d+\))? with(out)? time zone\Z")


def normalise_type(text: str) -> str:
    """`CHARACTER VARYING ( 100 )` → `varchar(100)`; `INT8` → `bigint`; `int[]` → `integer[]`;
    `timestamp(3) with time zone` → `timestamptz(3)`; unknown types are kept, lower-cased with
    single spaces."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    array = _ARRAY.search(t)
    dims = ""
    if array and array.start() > 0:
        dims = "[]" * max(array.group().count("["), 1)
        t = t[: array.start()]
    t = re.sub(r"\s*\(\s*", "(", t)
    t = re.sub(r"\s*,\s*", ",", t)
    t = re.sub(r"\s*\)", ")", t)
    zoned = _ZONED.match(t)
    if zoned:
        name, precision, without = zoned.groups()
        zone = "" if without else "tz"
        return f"{name}{zone}{precision or ''}{dims}"
    base, paren, rest = t.partition("(")
    base = _ALIASES.get(base.strip(), base.strip())
    return (f"{base}({rest}" if paren else base) + dims


# SQLAlchemy type classes (sa.String(100), postgresql.UUID()) → SQL.
SQLALCHEMY_TYPES = {
    "String": "varchar",
    "Unicode": "varchar",
    "VARCHAR": "varchar",
    "NVARCHAR": "varchar",
    "CHAR": "char",
    "Text": "text",
    "UnicodeText": "text",
    "TEXT": "text",
    "Integer": "integer",
    "INTEGER": "integer",
    "SmallInteger": "smallint",
    "SMALLINT": "smallint",
    "BigInteger": "bigint",
    "BIGINT": "bigint",
    "Boolean": "boolean",
    "BOOLEAN": "boolean",
    "Float": "double precision",
    "FLOAT": "double precision",
    "Numeric": "numeric",
    "NUMERIC": "numeric",
    "DECIMAL": "numeric",
    "Date": "date",
    "DATE": "date",
    "DateTime": "timestamp",
    "DATETIME": "timestamp",
    "TIMESTAMP": "timestamp",
    "Time": "time",
    "Interval": "interval",
    "JSON": "json",
    "JSONB": "jsonb",
    "UUID": "uuid",
    "Uuid": "uuid",
    "LargeBinary": "bytea",
    "BYTEA": "bytea",
    "INET": "inet",
    "CIDR": "cidr",
    "ARRAY": "array",
    "Enum": "enum",
}

# Django model fields → SQL (PostgreSQL backend).
DJANGO_TYPES = {
    "CharField": "varchar",
    "SlugField": "varchar",
    "EmailField": "varchar",
    "URLField": "varchar",
    "FilePathField": "varchar",
    "FileField": "varchar",
    "ImageField": "varchar",
    "TextField": "text",
    "IntegerField": "integer",
    "PositiveIntegerField": "integer",
    "SmallIntegerField": "smallint",
    "PositiveSmallIntegerField": "smallint",
    "BigIntegerField": "bigint",
    "PositiveBigIntegerField": "bigint",
    "AutoField": "serial",
    "BigAutoField": "bigserial",
    "SmallAutoField": "smallserial",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "FloatField": "double precision",
    "DecimalField": "numeric",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "TimeField": "time",
    "DurationField": "interval",
    "UUIDField": "uuid",
    "JSONField": "jsonb",
    "BinaryField": "bytea",
    "GenericIPAddressField": "inet",
    "IPAddressField": "inet",
    "ForeignKey": "bigint",
    "OneToOneField": "bigint",
}

# Django database expressions written as `db_default=` → the SQL they compile to on PostgreSQL
# (Now() is STATEMENT_TIMESTAMP() there, but one value per statement: judged like now()).
DJANGO_DB_FUNCTIONS = {
    "Now": "now()",
    "TransactionNow": "now()",
    "RandomUUID": "gen_random_uuid()",
    "Random": "random()",
}
