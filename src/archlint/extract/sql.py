"""SQL reader, on one sqlglot tokenization (PostgreSQL dialect, which also reads most Flyway /
MySQL migrations' literals):

- `read_sql`: string literals bound to the names they are for (`PASSWORD '…'`, INSERT columns);
- `sql_statements` / `read_sql_facts`: per statement, its kind and the tables it creates, alters,
  drops, renames, reads, writes or references (a foreign key), each at the table name's position.

Statements are split on the token stream (a semicolon inside a string, a quoted identifier or a
dollar-quoted body is inside one token) and parsed one at a time, so one broken statement is one
ParseProblem and the others still count. Where sqlglot cannot help (a statement it keeps as an
opaque Command, one too large or too deeply nested to parse), a token-level reading of the usual
shapes (`CREATE TABLE x`, `ALTER TABLE x ADD COLUMN c`, `FROM a JOIN b`, …) stands in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType  # type: ignore[attr-defined]

from archlint.facts import SqlFacts, SqlStatement, TableUse
from archlint.model import Location, NamedValue, ParseProblem
from archlint.positions import LineIndex

# sqlglot logs "'<the statement>' contains unsupported syntax" for every statement it keeps as a
# Command. Scanned SQL may hold a secret and must never reach stderr; parse errors are raised
# (not logged) at the error level we use, so silencing its logger loses nothing.
logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

UNTOKENIZABLE = (
    "SQL could not be tokenized (an unterminated string, quoted identifier, comment or "
    "dollar-quote starts here)"
)
_STRINGS = {TokenType.STRING, TokenType.HEREDOC_STRING, TokenType.NATIONAL_STRING}
# `PASSWORD 'x'`, `IDENTIFIED BY 'x'`, `SECRET 'x'`: the keyword names the literal.
_NAMING_WORDS = {"PASSWORD", "SECRET", "BY", "TOKEN"}


def read_sql(text: str, path: str) -> tuple[list[NamedValue], ParseProblem | None]:
    offsets = LineIndex(text, path)
    try:
        tokens = Postgres().tokenize(_without_copy_data(text))
        _remember_tokens(text, "postgres", tokens)
    except SqlglotError as exc:
        start = getattr(exc, "start", None)
        loc = offsets.location(start, start) if isinstance(start, int) else Location(path, 1)
        # sqlglot's message quotes the surrounding SQL, which may hold a secret: not shown.
        return [], ParseProblem(UNTOKENIZABLE, loc)
    except RecursionError:
        return [], ParseProblem("SQL nests too deeply to read", Location(path, 1))
    return _named_literals(tokens, offsets), None


def _named_literals(tokens: list[Token], offsets: LineIndex) -> list[NamedValue]:
    out: list[NamedValue] = []
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        if tok.token_type is TokenType.INSERT:
            i = _insert(tokens, i, offsets, out)
            continue
        if tok.token_type in _STRINGS and i > 0:
            prev = tokens[i - 1]
            name = ""
            if prev.text.upper() in _NAMING_WORDS:
                name = "password" if prev.text.upper() in {"PASSWORD", "BY"} else prev.text.lower()
            elif prev.token_type is TokenType.EQ and i > 1:
                name = tokens[i - 2].text
            if name:
                out.append(
                    NamedValue(name, tok.text, offsets.location(tok.start, tok.end + 1), "sql")
                )
        i += 1
    return out


def _insert(tokens: list[Token], i: int, offsets: LineIndex, out: list[NamedValue]) -> int:
    """`INSERT INTO t (a, b) VALUES ('x', 'y'), (…)`: pair every literal with its column."""
    n = len(tokens)
    j = i + 1
    while j < n and tokens[j].token_type is not TokenType.L_PAREN:
        if tokens[j].token_type in (TokenType.VALUES, TokenType.SELECT, TokenType.SEMICOLON):
            return j
        j += 1
    columns: list[str] = []
    j += 1
    while j < n and tokens[j].token_type is not TokenType.R_PAREN:
        if tokens[j].token_type is not TokenType.COMMA:
            columns.append(tokens[j].text)
        j += 1
    while j < n and tokens[j].token_type not in (TokenType.VALUES, TokenType.SEMICOLON):
        j += 1
    if j >= n or tokens[j].token_type is not TokenType.VALUES:
        return j
    j += 1
    depth, col = 0, 0
    while j < n and tokens[j].token_type is not TokenType.SEMICOLON:
        tt = tokens[j].token_type
        if tt is TokenType.L_PAREN:
            depth += 1
            if depth == 1:
                col = 0
        elif tt is TokenType.R_PAREN:
            depth -= 1
        elif tt is TokenType.COMMA and depth == 1:
            col += 1
        elif tt in _STRINGS and depth == 1 and col < len(columns):
            tok = tokens[j]
            out.append(
                NamedValue(columns[col], tok.text, offsets.location(tok.start, tok.end + 1), "sql")
            )
        j += 1
    return j


# ---------------------------------------------------------------------------------------------
# Statement facts

_STRING_TOKENS = _STRINGS | {
    TokenType.BIT_STRING,
    TokenType.HEX_STRING,
    TokenType.BYTE_STRING,
}
# Above this many tokens a statement is read at token level: sqlglot is linear but builds a tree
# of ~10 objects per token (a 300k-token INSERT … SELECT takes 1 s and hundreds of MB).
_MAX_PARSE_TOKENS = 25_000
# Schemas whose tables are the database's own catalog, not the application's.
_CATALOG_SCHEMAS = {"pg_catalog", "information_schema"}
# Valid PostgreSQL statements sqlglot has no parser for (it errors or reads them as a bare
# expression): read at token level, never reported as unparseable.
_PG_ONLY = {
    "ABORT", "CALL", "CHECKPOINT", "CLOSE", "CLUSTER", "DEALLOCATE", "DISCARD", "END", "EXECUTE",
    "EXPLAIN", "FETCH", "IMPORT", "LISTEN", "LOAD", "LOCK", "MOVE", "NOTIFY", "PREPARE",
    "REASSIGN", "REFRESH", "REINDEX", "RELEASE", "RESET", "SAVEPOINT", "SECURITY", "SHOW",
    "START", "UNLISTEN", "VACUUM",
}  # fmt: skip
_LIQUIBASE = re.compile(r"\A\ufeff?\s*--\s*liquibase\s+formatted\s+sql", re.IGNORECASE)
# V3__add.sql, V1_2__x.sql, V1.2__x.sql, U3__undo.sql (undo migrations), R__views.sql.
_FLYWAY = re.compile(r"\A(?:[VU](\d+(?:[._]\d+)*)|R)__.+\.sql\Z", re.IGNORECASE)
_PLAIN_DIRS = {"migrations", "migration", "db", "sql", "schema"}


def read_sql_facts(
    text: str, path: str, dialect: str = "postgres"
) -> tuple[SqlFacts | None, list[ParseProblem]]:
    """Statement-level facts of a .sql file: per statement, the tables it touches; and whether the
    file is a Flyway / Liquibase / plain migration."""
    statements, problems = sql_statements(text, path, dialect)
    if not statements and problems and problems[0].message == UNTOKENIZABLE:
        return None, problems
    style, version = sql_migration_style(path, text)
    return SqlFacts(dialect, style, version, tuple(statements)), problems


def sql_migration_style(path: str, text: str) -> tuple[str, str]:
    """("flyway" | "liquibase" | "plain" | "", version) from a .sql file's name and first line."""
    if _LIQUIBASE.match(text):
        return "liquibase", ""
    pure = PurePosixPath(path)
    m = _FLYWAY.match(pure.name)
    if m:
        return "flyway", (m.group(1) or "").replace("_", ".")
    if any(part.lower() in _PLAIN_DIRS for part in pure.parts[:-1]):
        return "plain", ""
    return "", ""


def sql_statements(
    sql: str, path: str, dialect: str = "postgres"
) -> tuple[list[SqlStatement], list[ParseProblem]]:
    """The statements of `sql` with the tables each touches. Locations are relative to `sql`
    (line 1 is its first line), so SQL embedded in another file is shifted by its reader."""
    offsets = LineIndex(sql, path)
    try:
        tokens = _tokenize(sql, dialect)
    except SqlglotError as exc:
        start = getattr(exc, "start", None)
        loc = offsets.location(start, start) if isinstance(start, int) else Location(path, 1)
        return [], [ParseProblem(UNTOKENIZABLE, loc)]
    reader = _Reader(sql, offsets, _dialect(dialect))
    for chunk in _split(tokens, sql):
        reader.read(chunk)
    return reader.statements, reader.problems


# -- tokens ------------------------------------------------------------------------------------

# read_facts tokenizes a .sql file in read_sql and then asks read_sql_facts for its statements;
# tokenizing is 40% of the cost on a large file, so read_sql leaves its tokens here and the next
# sql_statements call on the very same string object takes them. One slot, emptied when taken:
# an identity check (the slot keeps the string alive, so its id cannot be reused) is exact.
_token_memo: list[tuple[str, str, list[Token]]] = []


def _remember_tokens(text: str, dialect: str, tokens: list[Token]) -> None:
    _token_memo[:] = [(text, dialect, tokens)]


def _tokenize(text: str, dialect: str) -> list[Token]:
    if _token_memo and _token_memo[0][0] is text and _token_memo[0][1] == dialect:
        return _token_memo.pop()[2]
    _token_memo.clear()
    return _dialect(dialect).tokenize(_without_copy_data(text))


_COPY_FROM_STDIN = re.compile(r"^[ \t]*COPY\b[^;]*?\bFROM\s+STDIN\b[^;]*;[^\n]*\n", re.I | re.M)
_COPY_END = re.compile(r"^\\\.[ \t\r]*$", re.M)


def _without_copy_data(text: str) -> str:
    """The text with the rows of each `COPY … FROM stdin;` blanked up to its `\\.` line (pg_dump
    output): they are tab-separated data, not SQL, and a quote in them would end tokenizing.
    Blanks keep every offset, so locations stay exact."""
    if "stdin" not in text.lower():
        return text
    out: list[str] = []
    pos = 0
    while m := _COPY_FROM_STDIN.search(text, pos):
        end = _COPY_END.search(text, m.end())
        stop = end.start() if end else len(text)
        out.append(text[pos : m.end()])
        out.append(re.sub(r"[^\n]", " ", text[m.end() : stop]))
        pos = stop
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=8)
def _dialect(name: str) -> Dialect:
    return Dialect.get_or_raise(name)


def _split(tokens: list[Token], sql: str) -> Iterator[list[Token]]:
    """Statements as token lists: split on `;`, without psql meta-command lines (`\\connect db`),
    with each Flyway `${placeholder}` as one name token, and a `BEGIN ATOMIC … END` function
    body kept whole."""
    chunk: list[Token] = []
    atomic = False
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        tt = tok.token_type
        if tt is TokenType.BACKSLASH and _starts_line(sql, tok.start):
            i = _after_line(tokens, i, sql)
            continue
        if (tt is TokenType.PARAMETER or tt is TokenType.VAR) and _is_placeholder(tokens, i):
            tok, i = _placeholder(tokens, i, sql, chunk)
            chunk.append(tok)
            continue
        if tt is TokenType.SEMICOLON and not atomic:
            if chunk:
                yield chunk
            chunk = []
            i += 1
            continue
        if chunk and chunk[-1].token_type is TokenType.BEGIN and tok.text.upper() == "ATOMIC":
            atomic = chunk[0].token_type is TokenType.CREATE
        elif atomic and chunk[-1].token_type is TokenType.SEMICOLON and tok.text.upper() == "END":
            atomic = False
        chunk.append(tok)
        i += 1
    if chunk:
        yield chunk


def _starts_line(sql: str, offset: int) -> bool:
    return not sql[sql.rfind("\n", 0, offset) + 1 : offset].strip()


def _after_line(tokens: list[Token], i: int, sql: str) -> int:
    """Index of the first token after the line holding tokens[i]."""
    eol = sql.find("\n", tokens[i].start)
    if eol == -1:
        return len(tokens)
    while i < len(tokens) and tokens[i].start < eol:
        i += 1
    return i


def _is_placeholder(tokens: list[Token], i: int) -> bool:
    tok = tokens[i]  # `$`, or `audit_$` when a name runs into the placeholder
    return (
        tok.text.endswith("$")
        and i + 1 < len(tokens)
        and tokens[i + 1].token_type is TokenType.L_BRACE
        and tokens[i + 1].start == tok.end + 1
    )


def _placeholder(tokens: list[Token], i: int, sql: str, chunk: list[Token]) -> tuple[Token, int]:
    """`${schema}` (and `orders_${env}`, `${prefix}orders`) as one VAR token with the text as
    written, so it reads as a name; returns the token and the index after it."""
    first = tokens[i]
    if chunk and _glued(chunk[-1], first) and _WORD.match(chunk[-1].text):
        first = chunk.pop()
    j = i + 1
    while j < len(tokens) and tokens[j].token_type is not TokenType.R_BRACE:
        j += 1
    last = tokens[min(j, len(tokens) - 1)]
    j += 1
    while j < len(tokens) and _glued(last, tokens[j]) and _WORD.match(tokens[j].text):
        last = tokens[j]
        j += 1
    text = sql[first.start : last.end + 1]
    return Token(TokenType.VAR, text, first.line, first.col, first.start, last.end), j


def _glued(a: Token, b: Token) -> bool:
    return a.end + 1 == b.start


# A bare word: a keyword or an unquoted name (PostgreSQL names may hold `$`; a name merged with
# a Flyway placeholder holds `${…}`).
_WORD = re.compile(r"(?:[^\W\d]|\$\{)[\w${}]*\Z")


# -- one statement -----------------------------------------------------------------------------


@dataclass
class _Reader:
    """Reads statements one by one; temp tables created so far are remembered across them."""

    sql: str
    offsets: LineIndex
    dialect: Dialect
    statements: list[SqlStatement] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    temps: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.parser: Parser = self.dialect.parser()
        self.statement_starts = set(self.parser.STATEMENT_PARSERS) | set(
            self.dialect.tokenizer_class.COMMANDS
        )

    def read(self, chunk: list[Token]) -> None:
        where = self.offsets.location(chunk[0].start, chunk[-1].end + 1)
        uses = _Uses(self.offsets, where, self.temps)
        kind = self._kind_and_uses(chunk, uses)
        self.statements.append(SqlStatement(kind, where, tuple(uses.found)))

    def _kind_and_uses(self, chunk: list[Token], uses: _Uses) -> str:
        head = chunk[0].text.upper()
        name_tokens = _fast_insert(chunk)
        if name_tokens is not None:
            uses.add_tokens(name_tokens, "write")
            return "insert"
        if len(chunk) > _MAX_PARSE_TOKENS or any(
            t.token_type is TokenType.SEMICOLON for t in chunk
        ):
            # Too large to parse in reasonable time and memory, or a BEGIN ATOMIC body (sqlglot
            # reads its inner statements as separate ones): the token-level reading stands in.
            return _guess(chunk, uses)
        try:
            tree = self.parser.parse(chunk, self.sql)[0]
        except ParseError as exc:
            if head not in _PG_ONLY:
                self._problem(chunk, _reason(exc, chunk))
            return _guess(chunk, uses)
        except RecursionError:
            # sqlglot recurses per nesting level and overflows at ~100 nested parentheses:
            # valid SQL it cannot read, so no problem is reported.
            return _guess(chunk, uses)
        except Exception as exc:  # a sqlglot bug on odd input must not lose the file
            self._problem(chunk, f"internal error {type(exc).__name__}")
            return _guess(chunk, uses)
        if tree is None or isinstance(tree, exp.Command) or head in _PG_ONLY:
            return _guess(chunk, uses)
        if (
            not isinstance(tree, (exp.Query, exp.DML, exp.DDL, exp.Values))
            and chunk[0].token_type not in self.statement_starts
        ):
            # `CRATE TABLE x` errors, but a lone unknown word (`GO`, `CLUSTR x`) parses as a
            # column or an alias: not a statement either.
            self._problem(chunk, "not a statement")
            return "other"
        try:
            return _tree_kind_and_uses(tree, uses)
        except RecursionError:
            return _guess(chunk, uses)

    def _problem(self, chunk: list[Token], reason: str) -> None:
        at = self.offsets.location(chunk[0].start, chunk[0].end + 1)
        self.problems.append(
            ParseProblem(f"SQL statement could not be parsed (sqlglot: {reason})", at)
        )


def _reason(exc: ParseError, chunk: list[Token]) -> str:
    """sqlglot's short description of a parse error, without any SQL it quotes: its messages
    embed the offending token (`… but got <Token … text: …>`) and quoted fragments, which may
    be a secret."""
    errors = getattr(exc, "errors", None) or [{}]
    text = str(errors[0].get("description") or "syntax error")
    text = re.split(r",? but got\b|,? got\b|\s*<Token", text)[0]
    text = re.sub(r"<class '(?:[\w.]*\.)?(\w+)'>", r"\1", text)
    text = re.sub(r"'(?![a-z_]{1,20}')[^']*'", "…", text)  # keep 'this', drop other quotes
    text = text.strip().rstrip(".:")[:80] or "syntax error"
    literals = [t.text for t in chunk if t.token_type in _STRING_TOKENS and len(t.text) >= 4]
    if any(lit in text for lit in literals):
        return "syntax error"
    return text


def _fast_insert(chunk: list[Token]) -> list[Token] | None:
    """The table name tokens of `INSERT INTO t [(cols)] VALUES (literal, …), …`, else None.

    Seed files and data dumps are mostly this shape, and sqlglot spends ~100 µs on each; a
    statement that matches this small grammar is valid SQL, so nothing is lost by not parsing it.
    """
    n = len(chunk)
    if n < 6 or chunk[0].token_type is not TokenType.INSERT:
        return None
    if chunk[1].token_type is not TokenType.INTO:
        return None
    names, i = _strict_name(chunk, 2)
    if not names or i >= n:
        return None
    if chunk[i].token_type is TokenType.L_PAREN:
        i = _word_list(chunk, i + 1)
        if i < 0:
            return None
    if i >= n or chunk[i].token_type is not TokenType.VALUES:
        return None
    i += 1
    while i < n:
        if chunk[i].token_type is not TokenType.L_PAREN:
            return None
        i = _literal_list(chunk, i + 1)
        if i < 0:
            return None
        if i == n:
            return names
        if chunk[i].token_type is not TokenType.COMMA:
            return None
        i += 1
    return None


_PLAIN_NAMES = {TokenType.VAR, TokenType.IDENTIFIER}
_LITERALS = _STRING_TOKENS | {
    TokenType.NUMBER,
    TokenType.NULL,
    TokenType.TRUE,
    TokenType.FALSE,
    TokenType.DEFAULT,
}


def _strict_name(chunk: list[Token], i: int) -> tuple[list[Token], int]:
    names: list[Token] = []
    n = len(chunk)
    while i < n and chunk[i].token_type in _PLAIN_NAMES:
        names.append(chunk[i])
        if i + 1 < n and chunk[i + 1].token_type is TokenType.DOT:
            i += 2
            continue
        return names, i + 1
    return [], i


def _word_list(chunk: list[Token], i: int) -> int:
    """`a, b, c)` from i: the index after `)`, or -1."""
    n = len(chunk)
    while i + 1 < n:
        tok = chunk[i]
        if tok.token_type is not TokenType.IDENTIFIER and not _WORD.match(tok.text):
            return -1
        nxt = chunk[i + 1].token_type
        if nxt is TokenType.R_PAREN:
            return i + 2
        if nxt is not TokenType.COMMA:
            return -1
        i += 2
    return -1


def _literal_list(chunk: list[Token], i: int) -> int:
    """`1, 'x', -2, NULL)` from i: the index after `)`, or -1."""
    n = len(chunk)
    while i < n:
        if chunk[i].token_type in (TokenType.DASH, TokenType.PLUS):
            i += 1
            if i >= n or chunk[i].token_type is not TokenType.NUMBER:
                return -1
        elif chunk[i].token_type not in _LITERALS:
            return -1
        i += 1
        if i >= n:
            return -1
        if chunk[i].token_type is TokenType.R_PAREN:
            return i + 1
        if chunk[i].token_type is not TokenType.COMMA:
            return -1
        i += 1
    return -1


# -- table uses --------------------------------------------------------------------------------


@dataclass
class _Uses:
    """The TableUses of one statement, in order of discovery, each (table, op, detail) once."""

    offsets: LineIndex
    statement: Location
    temps: set[str]
    found: list[TableUse] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, name: str | None, op: str, at: Location, detail: str = "") -> None:
        if not name or (name in self.temps and op != "reference"):
            return
        key = (name, op, detail)
        if key not in self.seen:
            self.seen.add(key)
            self.found.append(TableUse(name, op, at, "sql", detail=detail))

    def add_tokens(self, parts: list[Token], op: str, detail: str = "") -> None:
        name = _normal([t.text for t in parts])
        self.add(name, op, self.offsets.location(parts[0].start, parts[-1].end + 1), detail)

    def add_table(self, node: exp.Expr | None, op: str, detail: str = "") -> None:
        table = _unwrap(node)
        if table is not None:
            self.add(_table_name(table), op, self._where(table), detail)

    def _where(self, table: exp.Table) -> Location:
        parts = [p for p in _parts(table) if "start" in p.meta]
        if not parts:  # sqlglot without token positions: the statement's own location
            return self.statement
        return self.offsets.location(parts[0].meta["start"], parts[-1].meta["end"] + 1)


def _unwrap(node: exp.Expr | None) -> exp.Table | None:
    """The Table inside `t (a, b)` (a Schema), or the node itself when it is a Table."""
    if isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def _parts(table: exp.Table) -> list[exp.Identifier]:
    parts = (table.args.get("catalog"), table.args.get("db"), table.this)
    return [p for p in parts if isinstance(p, exp.Identifier)]


def _table_name(table: exp.Table) -> str | None:
    if not isinstance(table.this, exp.Identifier):  # a table function, a subquery
        return None
    return _normal([p.name for p in _parts(table)])


def _normal(parts: list[str]) -> str | None:
    """`Billing."Invoices"` → billing.invoices; a leading Flyway placeholder schema is dropped
    (it names a schema per environment, the table is the same); catalog tables are None."""
    names = [p.lower() for p in parts if p]
    while len(names) > 1 and names[0].startswith("${"):
        names.pop(0)
    if not names:
        return None
    if (len(names) > 1 and names[-2] in _CATALOG_SCHEMAS) or (
        len(names) == 1 and names[0].startswith("pg_")
    ):
        return None
    return ".".join(names)


_SIMPLE_KINDS: tuple[tuple[type[exp.Expr], str], ...] = (
    (exp.Insert, "insert"),
    (exp.Update, "update"),
    (exp.Delete, "delete"),
    (exp.Merge, "merge"),
    (exp.TruncateTable, "truncate"),
    (exp.Copy, "copy"),
    (exp.Comment, "comment"),
    (exp.Grant, "grant"),
    (exp.Revoke, "revoke"),
    (exp.Transaction, "begin"),
    (exp.Commit, "commit"),
    (exp.Rollback, "rollback"),
    (exp.Set, "set"),
    (exp.Analyze, "analyze"),
    (exp.Query, "select"),
)


def _tree_kind_and_uses(tree: exp.Expr, uses: _Uses) -> str:
    if isinstance(tree, exp.Create):
        return _create(tree, uses)
    if isinstance(tree, exp.Alter):
        return _alter(tree, uses)
    if isinstance(tree, exp.Drop):
        return _drop(tree, uses)
    kind = next((k for cls, k in _SIMPLE_KINDS if isinstance(tree, cls)), "other")
    if isinstance(tree, exp.TruncateTable):
        for table in tree.expressions:
            uses.add_table(table, "write")
    elif isinstance(tree, exp.Copy) and _unwrap(tree.this) is not None:
        uses.add_table(tree.this, "write" if tree.args.get("kind") else "read")
    if kind in {"insert", "update", "delete", "merge", "select", "copy"}:
        _reads_and_writes(tree, uses, _unwrap(tree.this) if kind == "copy" else None)
    return kind


def _reads_and_writes(tree: exp.Expr, uses: _Uses, *done: exp.Expr | None) -> None:
    """Targets of INSERT / UPDATE / DELETE / MERGE anywhere in the tree (data-modifying CTEs
    too) are written; every other table but those already `done` (the statement's own target)
    is read, or referenced under REFERENCES. CTE names are not tables."""
    ctes: set[str] = set()
    tables: list[exp.Table] = []
    targets = {id(node) for node in done if node is not None}
    # One walk of the tree: on a large file this function is a third of the parse time.
    for node in tree.find_all(exp.Table, exp.CTE, exp.Insert, exp.Update, exp.Delete, exp.Merge):
        if isinstance(node, exp.Table):
            tables.append(node)
        elif isinstance(node, exp.CTE):
            ctes.add(node.alias_or_name.lower())
        elif (target := _unwrap(node.this)) is not None:
            targets.add(id(target))
            uses.add_table(target, "write")
    for table in tables:
        if id(table) in targets or (not table.args.get("db") and table.name.lower() in ctes):
            continue
        op = "reference" if table.find_ancestor(exp.Reference) else "read"
        uses.add_table(table, op)


def _references(tree: exp.Expr, uses: _Uses) -> None:
    for ref in tree.find_all(exp.Reference):
        uses.add_table(ref.this, "reference")


def _create(tree: exp.Create, uses: _Uses) -> str:
    kind = str(tree.args.get("kind") or "").upper()
    target = _unwrap(tree.this)
    if kind == "TABLE" and target is not None:
        if _property(tree, exp.TemporaryProperty):
            # A temp table lives for the session: not part of the schema, and later
            # statements reading or writing it in this file are not table uses either.
            uses.temps.add(_table_name(target) or "")
        else:
            uses.add_table(target, "create")
        parent = _property(tree, exp.PartitionedOfProperty)
        if parent is not None:  # CREATE TABLE orders_2024 PARTITION OF orders …
            child = _table_name(target) or ""
            uses.add_table(parent.this, "alter", f"attach partition {child}")
        _reads_and_writes(tree, uses, target, parent and parent.this)  # AS SELECT, LIKE, FKs
    elif kind == "VIEW":
        materialized = _property(tree, exp.MaterializedProperty)
        uses.add_table(target, "create", "materialized view" if materialized else "view")
        _reads_and_writes(tree, uses, target)
    elif kind == "INDEX" and isinstance(tree.this, exp.Index):
        detail = f"create index {tree.this.name}".strip()
        uses.add_table(tree.this.args.get("table"), "alter", detail)
    elif kind == "TRIGGER":
        props = _property(tree, exp.TriggerProperties)
        if props is not None:
            uses.add_table(props.args.get("table"), "alter", f"create trigger {tree.this.name}")
    return f"create_{_kind_word(kind)}"


def _property(tree: exp.Create, cls: type[exp.Expr]) -> exp.Expr | None:
    props = tree.args.get("properties")
    if isinstance(props, exp.Properties):
        return next((p for p in props.expressions if isinstance(p, cls)), None)
    return None


def _alter(tree: exp.Alter, uses: _Uses) -> str:
    kind = str(tree.args.get("kind") or "").upper()
    if kind != "TABLE":
        return f"alter_{_kind_word(kind)}"
    actions = tree.args.get("actions") or []
    for action in actions:
        if isinstance(action, exp.AlterRename):
            uses.add_table(tree.this, "rename", _table_name(action.this) or action.name.lower())
        else:
            for detail in _alter_details(action):
                uses.add_table(tree.this, "alter", detail)
    if not actions:
        uses.add_table(tree.this, "alter")
    _references(tree, uses)
    renames = actions and all(isinstance(a, exp.AlterRename) for a in actions)
    return "rename_table" if renames else "alter_table"


def _alter_details(action: exp.Expr) -> list[str]:
    if isinstance(action, exp.ColumnDef):
        return [f"add column {_name(action.this)}"]
    if isinstance(action, exp.RenameColumn):
        old, new = action.this, action.args.get("to")
        return [f"rename column {_name(old)} to {_name(new)}"]
    if isinstance(action, exp.AlterColumn):
        return [f"alter column {_name(action.this)}"]
    if isinstance(action, exp.Drop):
        what = str(action.args.get("kind") or "column").lower()
        dropped = action.args.get("tables") or [action.this]
        return [f"drop {what} {_name(d)}".strip() for d in dropped if d is not None]
    if isinstance(action, exp.AddConstraint):
        named = [c.name.lower() for c in action.find_all(exp.Constraint)]
        return [f"add constraint {name}".strip() for name in named or [""]]
    return [""]


def _name(node: object) -> str:
    """The lower-cased name of a column / identifier node ("" for anything else)."""
    name = getattr(node, "name", None)
    return name.lower() if isinstance(name, str) else ""


def _drop(tree: exp.Drop, uses: _Uses) -> str:
    kind = str(tree.args.get("kind") or "").upper()
    if kind in {"TABLE", "VIEW"}:
        detail = ""
        if kind == "VIEW":
            detail = "materialized view" if tree.args.get("materialized") else "view"
        for table in tree.args.get("tables") or [tree.this]:
            uses.add_table(table, "drop", detail)
    return f"drop_{_kind_word(kind)}"


def _kind_word(kind: str) -> str:
    return re.sub(r"\W+", "_", kind.strip().lower()) or "other"


# -- token-level reading -----------------------------------------------------------------------

_CREATE_MODIFIERS = {
    "OR", "REPLACE", "GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED", "UNIQUE",
    "MATERIALIZED", "RECURSIVE", "CONSTRAINT", "FOREIGN", "TRUSTED", "PROCEDURAL",
}  # fmt: skip
_NAME_PREFIXES = {"IF", "NOT", "EXISTS", "ONLY", "CONCURRENTLY"}
_CONSTRAINT_WORDS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE"}
_READ_STOPS = {"LATERAL", "ONLY"}
# Words that end or structure a clause: never read as a table or column name.
_RESERVED = {
    "ALL", "AND", "AS", "BY", "CROSS", "DEFAULT", "EXCEPT", "EXISTS", "FETCH", "FOR", "FROM",
    "FULL", "GROUP", "HAVING", "IF", "INNER", "INTERSECT", "INTO", "JOIN", "LATERAL", "LEFT",
    "LIMIT", "NATURAL", "NOT", "NULL", "OFFSET", "ON", "ONLY", "OR", "ORDER", "OUTER",
    "RETURNING", "RIGHT", "SELECT", "SET", "TABLE", "THEN", "TO", "UNION", "USING", "VALUES",
    "WHEN", "WHERE", "WINDOW", "WITH",
}  # fmt: skip


def _guess(chunk: list[Token], uses: _Uses) -> str:
    """Kind and tables of a statement from its tokens alone: the common DDL and DML shapes."""
    words = [_word(t) for t in chunk]
    head = words[0]
    if head == "CREATE":
        return _guess_create(chunk, words, uses)
    if head == "ALTER":
        return _guess_alter(chunk, words, uses)
    if head == "DROP":
        return _guess_drop(chunk, words, uses)
    if head == "TRUNCATE":
        i = _skip(words, 1, {"TABLE", "ONLY"})
        for parts in _name_list(chunk, i):
            uses.add_tokens(parts, "write")
        return "truncate"
    if head in {"INSERT", "UPDATE", "DELETE", "SELECT", "WITH", "VALUES", "TABLE", "COPY", "MERGE"}:
        return _guess_dml(chunk, words, uses)
    return _kind_word(head) if _WORD.match(head) else "other"


def _word(tok: Token) -> str:
    if tok.token_type in _STRING_TOKENS or tok.token_type is TokenType.IDENTIFIER:
        return ""  # a literal or a quoted name is never a keyword
    return tok.text.upper()


def _skip(words: list[str], i: int, skippable: set[str]) -> int:
    while i < len(words) and words[i] in skippable:
        i += 1
    return i


def _name_at(chunk: list[Token], i: int) -> tuple[list[Token], int]:
    """A possibly qualified name at i (`billing."Invoices"`): its part tokens and the index
    after it; no tokens when there is no name there."""
    parts: list[Token] = []
    n = len(chunk)
    while i < n and _is_name(chunk[i]):
        parts.append(chunk[i])
        if i + 2 < n and chunk[i + 1].token_type is TokenType.DOT:
            i += 2
            continue
        return parts, i + 1
    return [], i


def _is_name(tok: Token) -> bool:
    if tok.token_type is TokenType.IDENTIFIER:
        return True
    return bool(_WORD.match(tok.text)) and tok.text.upper() not in _RESERVED


def _name_list(chunk: list[Token], i: int) -> Iterator[list[Token]]:
    """`a, b.c, d` from i."""
    while True:
        parts, i = _name_at(chunk, i)
        if not parts:
            return
        yield parts
        if i >= len(chunk) or chunk[i].token_type is not TokenType.COMMA:
            return
        i += 1


def _guess_create(chunk: list[Token], words: list[str], uses: _Uses) -> str:
    i = _skip(words, 1, _CREATE_MODIFIERS)
    if i >= len(words):
        return "create_other"
    obj = words[i]
    temporary = bool({"TEMP", "TEMPORARY"} & set(words[1:i]))
    parts, after = _name_at(chunk, _skip(words, i + 1, _NAME_PREFIXES))
    if obj == "TABLE" and parts:
        if temporary:
            uses.temps.add(_normal([t.text for t in parts]) or "")
        else:
            uses.add_tokens(parts, "create")
        _token_reads(chunk, words, uses, after)
    elif obj == "VIEW" and parts:
        detail = "materialized view" if "MATERIALIZED" in words[1:i] else "view"
        uses.add_tokens(parts, "create", detail)
        _token_reads(chunk, words, uses, after)
    elif obj in {"INDEX", "TRIGGER"} and "ON" in words[i:]:
        on = words.index("ON", i)
        unnamed = obj == "INDEX" and on == _skip(words, i + 1, _NAME_PREFIXES)  # CREATE INDEX ON t
        label = "" if unnamed else ".".join(t.text.lower() for t in parts)
        table, _ = _name_at(chunk, _skip(words, on + 1, {"ONLY"}))
        if table:
            uses.add_tokens(table, "alter", f"create {obj.lower()} {label}".strip())
    return f"create_{_kind_word(obj)}"


def _guess_alter(chunk: list[Token], words: list[str], uses: _Uses) -> str:
    obj = words[1] if len(words) > 1 else ""
    if obj != "TABLE":
        return f"alter_{_kind_word(obj)}"
    parts, i = _name_at(chunk, _skip(words, 2, _NAME_PREFIXES))
    if not parts:
        return "alter_table"
    renamed = True
    for start, end in _top_level_items(chunk, i):
        op, detail = _alter_action(chunk[start:end], words[start:end])
        renamed = renamed and op == "rename"
        uses.add_tokens(parts, op, detail)
    for j, word in enumerate(words):
        if word == "REFERENCES":
            ref, _ = _name_at(chunk, j + 1)
            if ref:
                uses.add_tokens(ref, "reference")
    return "rename_table" if renamed and len(chunk) > i else "alter_table"


def _top_level_items(chunk: list[Token], i: int) -> Iterator[tuple[int, int]]:
    """[start, end) of the comma-separated items from i, commas inside parentheses ignored."""
    depth, start = 0, i
    for j in range(i, len(chunk)):
        tt = chunk[j].token_type
        if tt is TokenType.L_PAREN:
            depth += 1
        elif tt is TokenType.R_PAREN:
            depth -= 1
        elif tt is TokenType.COMMA and depth == 0:
            yield start, j
            start = j + 1
    if start < len(chunk):
        yield start, len(chunk)


def _alter_action(toks: list[Token], words: list[str]) -> tuple[str, str]:
    """(op, detail) of one ALTER TABLE action; a name that is missing stays out of the detail."""
    op, detail = _alter_action_words(toks, words)
    return op, re.sub(r"\s+", " ", detail).strip()


def _alter_action_words(toks: list[Token], words: list[str]) -> tuple[str, str]:
    verb = words[0] if words else ""
    if verb == "RENAME":
        if len(words) > 1 and words[1] == "TO":
            return "rename", ".".join(t.text.lower() for t in _name_at(toks, 2)[0])
        if len(words) > 1 and words[1] == "CONSTRAINT":
            return "alter", f"rename constraint {_name_of(toks, 2)} to {_name_of(toks, 4)}"
        k = _skip(words, 1, {"COLUMN"})
        return "alter", f"rename column {_name_of(toks, k)} to {_name_of(toks, k + 2)}"
    if verb in {"ADD", "DROP"}:
        k = _skip(words, 1, {"COLUMN", "IF", "NOT", "EXISTS"})
        if k < len(words) and words[k] == "CONSTRAINT":
            k = _skip(words, k + 1, {"IF", "EXISTS"})
            return "alter", f"{verb.lower()} constraint {_name_of(toks, k)}"
        if k < len(words) and words[k] in _CONSTRAINT_WORDS:
            return "alter", "add constraint"
        return "alter", f"{verb.lower()} column {_name_of(toks, k)}"
    if verb == "ALTER":
        return "alter", f"alter column {_name_of(toks, _skip(words, 1, {'COLUMN'}))}"
    return "alter", ""


def _name_of(toks: list[Token], k: int) -> str:
    return toks[k].text.lower() if k < len(toks) and _is_name(toks[k]) else ""


def _guess_drop(chunk: list[Token], words: list[str], uses: _Uses) -> str:
    i = _skip(words, 1, {"MATERIALIZED"})
    obj = words[i] if i < len(words) else ""
    if obj in {"TABLE", "VIEW"}:
        detail = "" if obj == "TABLE" else "view"
        if obj == "VIEW" and i > 1:
            detail = "materialized view"
        for parts in _name_list(chunk, _skip(words, i + 1, _NAME_PREFIXES)):
            uses.add_tokens(parts, "drop", detail)
    return f"drop_{_kind_word(obj)}"


def _guess_dml(chunk: list[Token], words: list[str], uses: _Uses) -> str:
    kind = "select"
    targets: set[int] = set()
    for j, word in enumerate(words):
        k = -1
        if word == "INSERT" and j + 1 < len(words) and words[j + 1] == "INTO":
            k, kind = j + 2, "insert"
        elif word == "UPDATE" and (j == 0 or words[j - 1] not in {"FOR", "DO", "ON", "KEY"}):
            k, kind = j + 1, "update"
        elif word == "DELETE" and j + 1 < len(words) and words[j + 1] == "FROM":
            k, kind = j + 2, "delete"
        elif word == "MERGE" and j + 1 < len(words) and words[j + 1] == "INTO":
            k, kind = j + 2, "merge"
        if k >= 0:
            parts, _ = _name_at(chunk, _skip(words, k, {"ONLY"}))
            if parts:
                targets.add(parts[0].start)
                uses.add_tokens(parts, "write")
    if words[0] == "COPY":
        parts, _ = _name_at(chunk, 1)
        if parts:
            targets.add(parts[0].start)
            uses.add_tokens(parts, "write" if "FROM" in words else "read")
        kind = "copy"
    _token_reads(chunk, words, uses, 0, targets)
    return kind


def _token_reads(
    chunk: list[Token], words: list[str], uses: _Uses, start: int, skip: set[int] | None = None
) -> None:
    """Tables after FROM / JOIN / USING (outside function-call parentheses, where FROM is part
    of EXTRACT / SUBSTRING / TRIM), and after REFERENCES; CTE names excluded."""
    skip = skip or set()
    ctes = _cte_names(chunk, words)
    subquery: list[bool] = []  # per open parenthesis: does it hold a query?
    for j in range(start, len(chunk)):
        tt = chunk[j].token_type
        if tt is TokenType.L_PAREN:
            subquery.append(j + 1 < len(words) and words[j + 1] in {"SELECT", "WITH", "VALUES"})
            continue
        if tt is TokenType.R_PAREN:
            if subquery:
                subquery.pop()
            continue
        word = words[j]
        if word == "REFERENCES":
            parts, _ = _name_at(chunk, j + 1)
            if parts:
                uses.add_tokens(parts, "reference")
            continue
        if word not in {"FROM", "JOIN", "USING"} or (subquery and not subquery[-1]):
            continue
        for parts in _name_list(chunk, _skip(words, j + 1, _READ_STOPS)):
            key = _normal([t.text for t in parts])
            if parts[0].start not in skip and not (len(parts) == 1 and key in ctes):
                uses.add_tokens(parts, "read")


def _cte_names(chunk: list[Token], words: list[str]) -> set[str]:
    """Names defined as `name AS (` or `name (cols) AS (` after WITH (approximately)."""
    if "WITH" not in words:
        return set()
    names: set[str] = set()
    for j in range(len(chunk) - 2):
        if words[j + 1] == "AS" and (
            chunk[j + 2].token_type is TokenType.L_PAREN or words[j + 2] in {"MATERIALIZED", "NOT"}
        ):
            names.add(chunk[j].text.lower())
    return names
