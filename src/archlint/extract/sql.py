"""SQL reader, on one sqlglot tokenization (PostgreSQL dialect, which also reads most Flyway /
MySQL migrations' literals):

- `read_sql`: string literals bound to the names they are for (`PASSWORD '…'`, INSERT columns);
- `sql_statements` / `read_sql_facts`: per statement, its kind and the tables it creates, alters,
  drops, renames, reads, writes or references (a foreign key), each at the table name's position,
  with the columns a query names; and the schema / data changes it makes (`SchemaChange`), for
  the migration-safety rules.

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
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import PurePosixPath

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType  # type: ignore[attr-defined]

from archlint.extract.schema import default_kind, is_serial, normalise_type
from archlint.facts import SchemaChange, SqlFacts, SqlStatement, TableUse
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
    except SqlglotError:
        # sqlglot's message quotes the surrounding SQL, which may hold a secret: not shown.
        return [], ParseProblem(UNTOKENIZABLE, _unclosed_location(text, offsets))
    except RecursionError:
        return [], ParseProblem("SQL nests too deeply to read", Location(path, 1))
    return _named_literals(tokens, offsets), None


_OPENERS = re.compile(r"""'|"|/\*|--|\$([A-Za-z_][A-Za-z0-9_]*)?\$""")


def _unclosed_location(sql: str, offsets: LineIndex) -> Location:
    """Where the string, quoted identifier, comment or dollar-quote that never ends starts
    (sqlglot's error carries no position); the start of the text if none is found."""
    i = 0
    while True:
        m = _OPENERS.search(sql, i)
        if m is None:
            return offsets.location(0, 0)
        opener, start = m.group(), m.start()
        if opener == "--":
            end = sql.find("\n", m.end())
            if end < 0:
                return offsets.location(0, 0)
            i = end + 1
            continue
        if opener in ("'", '"'):
            escapes = opener == "'" and sql[start - 1 : start] in ("E", "e")
            end = _quote_end(sql, m.end(), opener, escapes)
        else:
            closer = "*/" if opener == "/*" else opener
            found = sql.find(closer, m.end())
            end = -1 if found < 0 else found + len(closer)
        if end < 0:
            return offsets.location(start, start)
        i = end


def _quote_end(sql: str, i: int, quote: str, escapes: bool) -> int:
    """The offset after the closing quote (a doubled quote is part of the text), or -1."""
    while True:
        j = sql.find(quote, i)
        if j < 0:
            return -1
        if escapes and _escaped(sql, j):
            i = j + 1
        elif sql[j + 1 : j + 2] == quote:
            i = j + 2
        else:
            return j + 1


def _escaped(sql: str, j: int) -> bool:
    n = 0
    while j - n - 1 >= 0 and sql[j - n - 1] == "\\":
        n += 1
    return n % 2 == 1


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
    except SqlglotError:
        return [], [ParseProblem(UNTOKENIZABLE, _unclosed_location(sql, offsets))]
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


# One line, as pg_dump writes it: across lines, `COPY x FROM stdin` repeated without `;` made the
# search cubic (2,000 such lines took 50 s).
_COPY_FROM_STDIN = re.compile(
    r"^[ \t]*COPY\b[^;\n]*\bFROM[ \t]+STDIN\b[^;\n]*;[^\n]*\n", re.I | re.M
)
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
    """Reads statements one by one; temp tables created so far, whether a transaction block is
    open and the column types defined so far are remembered across them."""

    sql: str
    offsets: LineIndex
    dialect: Dialect
    statements: list[SqlStatement] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    temps: set[str] = field(default_factory=set)
    in_transaction: bool = False
    column_types: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.parser: Parser = self.dialect.parser()
        self.statement_starts = set(self.parser.STATEMENT_PARSERS) | set(
            self.dialect.tokenizer_class.COMMANDS
        )

    def read(self, chunk: list[Token]) -> None:
        where = self.offsets.location(chunk[0].start, chunk[-1].end + 1)
        uses = _Uses(self.offsets, where, self.temps)
        name_tokens = _fast_insert(chunk)
        kind = self._kind_and_uses(chunk, uses, name_tokens)
        changes = self._changes(chunk, where, name_tokens)
        self.statements.append(SqlStatement(kind, where, tuple(uses.found), changes))

    def _changes(
        self, chunk: list[Token], where: Location, inserted: list[Token] | None
    ) -> tuple[SchemaChange, ...]:
        """The statement's SchemaChanges, read from its tokens; an exception on odd input costs
        this statement its changes, never the file."""
        try:
            opens = _transaction_effect(chunk)
            if opens is not None:
                self.in_transaction = opens
            found = _Changes(self.sql, self.offsets, where)
            if inserted is not None:  # a fast INSERT (seed files: most statements of many)
                if table := _normal([t.text for t in inserted]):
                    found.add(SchemaChange("insert", table, where))
            else:
                _schema_changes(chunk, found)
            return tuple(self._known(change) for change in found.changes if self._kept(change))
        except Exception:
            return ()

    def _kept(self, change: SchemaChange) -> bool:
        """Changes to temp tables are not schema changes (the temp table itself is not either)."""
        return not (change.table and change.table in self.temps)

    def _known(self, change: SchemaChange) -> SchemaChange:
        """The change with what earlier statements told: the open transaction, the old type."""
        key = (change.table, change.column)
        if change.kind == "alter_type" and self.column_types.get(key):
            change = replace(change, old_type=self.column_types[key])
        if change.kind in {"define_column", "add_column", "alter_type"} and change.type:
            self.column_types[key] = change.type
        elif change.kind == "rename_column" and key in self.column_types:
            self.column_types[(change.table, change.name)] = self.column_types.pop(key)
        return replace(change, in_transaction=True) if self.in_transaction else change

    def _kind_and_uses(
        self, chunk: list[Token], uses: _Uses, name_tokens: list[Token] | None
    ) -> str:
        head = chunk[0].text.upper()
        if name_tokens is not None:
            # the column list, if any, follows the name: INSERT INTO a . b (
            uses.add_tokens(
                name_tokens, "write", columns=_paren_names(chunk, 2 * len(name_tokens) + 1)
            )
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
            if head not in _PG_ONLY and not _index_on_only(chunk):
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


def _index_on_only(chunk: list[Token]) -> bool:
    """`CREATE INDEX … ON ONLY parent`, valid PostgreSQL sqlglot cannot parse: the first step of
    indexing a partitioned table without locking it (then each partition CONCURRENTLY, then
    ATTACH PARTITION)."""
    words = [_word(t) for t in chunk[:16]]  # the name and IF NOT EXISTS come before ON ONLY
    if words[0] != "CREATE" or "INDEX" not in words:
        return False
    return any(words[j : j + 2] == ["ON", "ONLY"] for j in range(len(words)))


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

    def add(
        self,
        name: str | None,
        op: str,
        at: Location,
        detail: str = "",
        columns: tuple[str, ...] = (),
    ) -> None:
        if not name or (name in self.temps and op != "reference"):
            return
        key = (name, op, detail)
        if key not in self.seen:
            self.seen.add(key)
            self.found.append(TableUse(name, op, at, "sql", detail=detail, columns=columns))

    def add_tokens(
        self, parts: list[Token], op: str, detail: str = "", columns: tuple[str, ...] = ()
    ) -> None:
        name = _normal([t.text for t in parts])
        at = self.offsets.location(parts[0].start, parts[-1].end + 1)
        self.add(name, op, at, detail, columns)

    def add_columns(self, by_table: dict[str, dict[str, None]], common: dict[str, None]) -> None:
        """Columns the statement names onto its read and write uses: those qualified by a table
        (or its alias) onto that table, unqualified ones onto every table of the statement."""
        for k, use in enumerate(self.found):
            if use.op in {"read", "write"}:
                names = dict.fromkeys(use.columns) | common | by_table.get(use.table, {})
                if names:
                    self.found[k] = replace(use, columns=tuple(names))

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
    is read, or referenced under REFERENCES. CTE names are not tables. The columns the
    statement names go onto its read and write uses."""
    ctes: set[str] = set()
    tables: list[exp.Table] = []
    columns: list[exp.Column] = []
    inserted: list[tuple[exp.Table, exp.Schema]] = []
    targets = {id(node) for node in done if node is not None}
    # One walk of the tree: on a large file this function is a third of the parse time.
    kinds = (exp.Column, exp.Table, exp.CTE, exp.Insert, exp.Update, exp.Delete, exp.Merge)
    for node in tree.find_all(*kinds):
        if isinstance(node, exp.Column):
            columns.append(node)
        elif isinstance(node, exp.Table):
            tables.append(node)
        elif isinstance(node, exp.CTE):
            ctes.add(node.alias_or_name.lower())
        elif (target := _unwrap(node.this)) is not None:
            targets.add(id(target))
            uses.add_table(target, "write")
            if isinstance(node.this, exp.Schema):  # INSERT INTO t (a, b)
                inserted.append((target, node.this))
    for table in tables:
        if id(table) in targets or (not table.args.get("db") and table.name.lower() in ctes):
            continue
        op = "reference" if table.find_ancestor(exp.Reference) else "read"
        uses.add_table(table, op)
    if columns or inserted:
        _add_columns(uses, tables, columns, inserted)


def _add_columns(
    uses: _Uses,
    tables: list[exp.Table],
    columns: list[exp.Column],
    inserted: list[tuple[exp.Table, exp.Schema]],
) -> None:
    """Column names per table: `o.total` goes to the table aliased `o`, a bare name to every
    table of the statement (which one holds it would take the schema); a qualifier that is no
    table here (a subquery or CTE alias) is dropped."""
    tables_by_name: dict[str, str] = {}
    for table in tables:
        name = _table_name(table)
        if name:
            tables_by_name[table.alias_or_name.lower()] = name
            tables_by_name[table.name.lower()] = name
    by_table: dict[str, dict[str, None]] = {}
    common: dict[str, None] = {}
    for column in columns:
        if not isinstance(column.this, exp.Identifier):  # t.*
            continue
        qualifier = column.table.lower()
        if not qualifier:
            common[column.name.lower()] = None
        elif qualifier in tables_by_name:
            by_table.setdefault(tables_by_name[qualifier], {})[column.name.lower()] = None
    for target, schema in inserted:
        name = _table_name(target)
        for ident in schema.expressions:
            if name and isinstance(ident, exp.Identifier):
                by_table.setdefault(name, {})[ident.name.lower()] = None
    uses.add_columns(by_table, common)


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


def _top_level_items(
    chunk: list[Token], i: int, stop: int | None = None
) -> Iterator[tuple[int, int]]:
    """[start, end) of the comma-separated items from i (up to stop), commas inside parentheses
    ignored."""
    stop = len(chunk) if stop is None else stop
    depth, start = 0, i
    for j in range(i, stop):
        tt = chunk[j].token_type
        if tt is TokenType.L_PAREN:
            depth += 1
        elif tt is TokenType.R_PAREN:
            depth -= 1
        elif tt is TokenType.COMMA and depth == 0:
            yield start, j
            start = j + 1
    if start < stop:
        yield start, stop


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
            parts, after = _name_at(chunk, _skip(words, k, {"ONLY"}))
            if parts:
                targets.add(parts[0].start)
                uses.add_tokens(parts, "write", columns=_written_columns(chunk, words, after))
    if words[0] == "COPY":
        parts, _ = _name_at(chunk, 1)
        if parts:
            targets.add(parts[0].start)
            uses.add_tokens(parts, "write" if "FROM" in words else "read")
        kind = "copy"
    _token_reads(chunk, words, uses, 0, targets)
    return kind


def _written_columns(chunk: list[Token], words: list[str], i: int) -> tuple[str, ...]:
    """The columns written after a target name at i: `(a, b)` of an INSERT, or the names set by
    an UPDATE (`SET a = …, b = …`, up to its FROM / WHERE / RETURNING)."""
    if i < len(chunk) and chunk[i].token_type is TokenType.L_PAREN:
        return _paren_names(chunk, i)
    start = _set_after_alias(words, i)
    if start < 0:
        return ()
    names: dict[str, None] = {}
    depth = 0
    for j in range(start + 1, len(chunk)):
        tt = chunk[j].token_type
        if tt is TokenType.L_PAREN:
            depth += 1
        elif tt is TokenType.R_PAREN:
            depth -= 1
            if depth < 0:  # the end of a data-modifying CTE
                break
        elif depth == 0 and words[j] in {"FROM", "WHERE", "RETURNING"}:
            break
        elif depth == 0 and tt is TokenType.EQ and _is_column_token(chunk[j - 1]):
            names[chunk[j - 1].text.lower()] = None
    return tuple(names)


def _set_after_alias(words: list[str], i: int) -> int:
    """The index of SET after an UPDATE target's optional alias (`t AS x SET`, `t x SET`), or -1."""
    for j in range(i, min(i + 3, len(words))):
        if words[j] == "SET":
            return j
    return -1


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


# -- schema changes ----------------------------------------------------------------------------
#
# What each statement changes, for the migration-safety rules. Read from the tokens whether or not
# sqlglot parsed the statement: sqlglot keeps much of PostgreSQL's migration DDL (CONCURRENTLY,
# NOT VALID, VALIDATE CONSTRAINT, USING INDEX) as an opaque Command, and its tree re-spells types
# and defaults, where the rules need them as written (`character varying(255)`,
# `gen_random_uuid()`). One reading also answers the same for parsed, unparsed and huge statements.

# Words that end a column's type and start its constraints (`NULL` and `AS` included: `DEFAULT
# 'x' NULL`, MySQL's `AS (expr)`).
_COLUMN_STOPS = {
    "NOT", "NULL", "DEFAULT", "PRIMARY", "PRIMARY KEY", "UNIQUE", "REFERENCES", "CHECK",
    "CONSTRAINT", "COLLATE", "GENERATED", "COMPRESSION", "STORAGE", "AUTO_INCREMENT",
    "AUTOINCREMENT", "IDENTITY", "COMMENT", "ON", "AS", "DEFERRABLE", "INITIALLY", "USING",
    "CHARACTER SET", "CHARSET",
}  # fmt: skip
_CONSTRAINT_KINDS = {
    "PRIMARY": "primary_key",
    "PRIMARY KEY": "primary_key",
    "UNIQUE": "unique",
    "CHECK": "check",
    "FOREIGN": "foreign_key",
    "FOREIGN KEY": "foreign_key",
    "EXCLUDE": "exclusion",
}
_TABLE_CONSTRAINTS = {"CONSTRAINT", *_CONSTRAINT_KINDS}
_NOT_WORDS = _STRING_TOKENS | {TokenType.IDENTIFIER}  # what _word reads as no word
_DML_WORDS = {"INSERT", "UPDATE", "DELETE"}
# `ALTER TABLE t DROP …` of something that is not a column (MySQL's forms included).
_DROP_NOT_COLUMN = {
    "CONSTRAINT", "PRIMARY", "PRIMARY KEY", "FOREIGN", "FOREIGN KEY", "INDEX", "KEY", "CHECK",
    "PARTITION",
}  # fmt: skip
# `SET lock_timeout = 0` (or '0ms', DEFAULT) turns the timeout off.
_NO_TIMEOUT = re.compile(r"(?:0+(?:\.0*)?\s*[a-z]*|default)\Z", re.IGNORECASE)


@dataclass
class _Changes:
    """The SchemaChanges of one statement, in order."""

    sql: str
    offsets: LineIndex
    statement: Location
    changes: list[SchemaChange] = field(default_factory=list)

    def add(self, change: SchemaChange) -> None:
        self.changes.append(change)

    def span(self, toks: list[Token]) -> Location:
        """Where the tokens are (a sub-clause of the statement)."""
        if not toks:
            return self.statement
        return self.offsets.location(toks[0].start, toks[-1].end + 1)

    def text(self, toks: list[Token]) -> str:
        """The tokens' source text, as written (spacing and comments included)."""
        return self.sql[toks[0].start : toks[-1].end + 1] if toks else ""


def _schema_changes(chunk: list[Token], found: _Changes) -> None:
    reader = _CHANGE_READERS.get(_word(chunk[0]))
    if reader is not None:
        # _word inlined: this runs on every statement of a file
        words = ["" if t.token_type in _NOT_WORDS else t.text.upper() for t in chunk]
        reader(chunk, words, found)


def _transaction_effect(chunk: list[Token]) -> bool | None:
    """True when the statement opens a transaction block (BEGIN, START TRANSACTION), False when
    it ends one (COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION), None otherwise. `BEGIN
    ATOMIC` bodies and `DO` blocks are inside one CREATE / DO statement, so never seen here."""
    head, *rest = [_word(t) for t in chunk[:4]]
    if head == "BEGIN" or (head == "START" and rest[:1] == ["TRANSACTION"]):
        return True
    if head == "PREPARE" and rest[:1] == ["TRANSACTION"]:
        return False
    if head in {"COMMIT", "END", "ROLLBACK", "ABORT"}:
        if "PREPARED" in rest or (head == "ROLLBACK" and "TO" in rest):
            return None  # another (prepared) transaction, or back to a savepoint
        if "CHAIN" in rest and "NO" not in rest:
            return None  # COMMIT AND CHAIN starts the next transaction at once
        return False
    return None


# -- CREATE TABLE / CREATE INDEX


@dataclass
class _Column:
    """A column definition (CREATE TABLE element, ALTER TABLE ADD COLUMN)."""

    name: str
    type: str
    not_null: bool = False
    default: str = ""
    primary_key: bool = False
    unique: bool = False
    # inline constraints that ADD COLUMN adds beside the column: (constraint, name, column)
    constraints: list[tuple[str, str, str]] = field(default_factory=list)


def _create_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    i = _skip(words, 1, _CREATE_MODIFIERS)
    if i >= len(words):
        return
    modifiers = set(words[1:i])
    if words[i] == "TABLE" and not modifiers & {"TEMP", "TEMPORARY"}:
        _create_table(chunk, words, i + 1, found)
    elif words[i] == "INDEX":
        _create_index(chunk, words, i + 1, "UNIQUE" in modifiers, found)


def _create_table(chunk: list[Token], words: list[str], i: int, found: _Changes) -> None:
    """create_table, then define_column per column. A table whose columns come from elsewhere
    (`AS SELECT`, `PARTITION OF`, `OF type`, `LIKE`) counts as having a primary key: what it
    has is not written here."""
    parts, i = _name_at(chunk, _skip(words, i, {"IF", "NOT", "EXISTS"}))
    table = _normal([t.text for t in parts]) if parts else None
    if not table:
        return
    outer = [words[j] for j in _top_indices(chunk, i)]
    derived = bool({"AS", "OF", "LIKE"} & set(outer))
    columns: list[tuple[_Column, list[Token]]] = []
    key: set[str] = set()  # the columns of a PRIMARY KEY
    has_key = derived
    if not derived and i < len(chunk) and chunk[i].token_type is TokenType.L_PAREN:
        for start, end in _top_level_items(chunk, i + 1, _closing(chunk, i)):
            toks, ws = chunk[start:end], words[start:end]
            if ws and ws[0] == "LIKE":
                has_key = True
            elif ws and ws[0] in _TABLE_CONSTRAINTS:
                primary = _table_primary_key(toks, ws)
                has_key = has_key or primary is not None
                key.update(primary or ())
            elif (column := _column_def(toks, ws, found)) is not None:
                columns.append((column, toks))
                has_key = has_key or column.primary_key
    found.add(SchemaChange("create_table", table, found.statement, primary_key=has_key))
    for column, toks in columns:
        found.add(
            SchemaChange(
                "define_column",
                table,
                found.span(toks),
                column=column.name,
                type=column.type,
                not_null=column.not_null or column.name in key,
                default=column.default,
                primary_key=column.primary_key,
                unique=column.unique,
            )
        )


def _table_primary_key(toks: list[Token], ws: list[str]) -> tuple[str, ...] | None:
    """The columns of a `[CONSTRAINT name] PRIMARY KEY (a, b)` table constraint; None for other
    constraints."""
    for j in _top_indices(toks, 0):
        if ws[j] in {"PRIMARY", "PRIMARY KEY"}:
            k = j + 1 if ws[j] == "PRIMARY KEY" else j + 2
            return _paren_names(toks, k)
    return None


def _create_index(
    chunk: list[Token], words: list[str], i: int, unique: bool, found: _Changes
) -> None:
    """`CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table …`."""
    on = next((j for j in _top_indices(chunk, i) if words[j] == "ON"), -1)
    if on < 0:
        return
    concurrently = "CONCURRENTLY" in words[i:on]
    parts, _ = _name_at(chunk, _skip(words, i, {"CONCURRENTLY", "IF", "NOT", "EXISTS"}))
    name = _object_name(parts) if parts and parts[-1].start < chunk[on].start else ""
    target, _ = _name_at(chunk, _skip(words, on + 1, {"ONLY"}))
    table = _normal([t.text for t in target]) if target else None
    if table:
        change = SchemaChange(
            "create_index",
            table,
            found.statement,
            name=name,
            unique=unique,
            concurrently=concurrently,
        )
        found.add(change)


def _object_name(parts: list[Token]) -> str:
    """An index or constraint name as written, lower-cased (schema kept)."""
    return ".".join(t.text.lower() for t in parts)


# -- column definitions


def _column_def(toks: list[Token], ws: list[str], found: _Changes) -> _Column | None:
    """`name type [constraints…]`: the type as written up to its first constraint word, then
    NOT NULL, DEFAULT, PRIMARY KEY, UNIQUE, REFERENCES, CHECK. A serial, identity or stored
    generated column fills every row: its default is volatile."""
    if not toks or not _is_column_token(toks[0]):
        return None
    k, depth = 1, 0
    while k < len(toks):
        tt = toks[k].token_type
        if tt in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif tt in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        elif depth == 0 and ws[k] in _COLUMN_STOPS:
            break
        k += 1
    column = _Column(toks[0].text.lower(), normalise_type(found.text(toks[1:k])))
    _column_constraints(toks, ws, k, column, found)
    if not column.default and is_serial(column.type):
        column.default = "volatile"
    return column


def _column_constraints(
    toks: list[Token], ws: list[str], k: int, column: _Column, found: _Changes
) -> None:
    tops = list(_top_indices(toks, k))
    name = ""  # of the constraint being read: `CONSTRAINT name REFERENCES …`
    for pos, j in enumerate(tops):
        word = ws[j]
        after = ws[tops[pos + 1]] if pos + 1 < len(tops) else ""
        before = ws[tops[pos - 1]] if pos > 0 else ""
        if word == "CONSTRAINT":
            name = _column_name(toks, j + 1)
            continue
        if word == "NOT" and after == "NULL":
            column.not_null = True
        elif word in {"PRIMARY", "PRIMARY KEY"}:
            column.primary_key = column.not_null = True
        elif word == "UNIQUE":
            column.unique = True
        elif word == "DEFAULT" and before != "BY":  # not GENERATED BY DEFAULT AS IDENTITY
            stops = (tops[q] for q in range(pos + 2, len(tops)) if ws[tops[q]] in _COLUMN_STOPS)
            end = next(stops, len(toks))
            column.default = default_kind(found.text(toks[j + 1 : end]))
        elif word in {"GENERATED", "AUTO_INCREMENT", "AUTOINCREMENT", "IDENTITY"}:
            column.default = "volatile"
        elif word == "REFERENCES":
            column.constraints.append(("foreign_key", name, column.name))
        elif word == "CHECK":
            checked = _not_null_check(toks, ws, j + 1)
            kind = "check_not_null" if checked else "check"
            column.constraints.append((kind, name, checked))
        if word in _COLUMN_STOPS:
            name = ""


def _not_null_check(toks: list[Token], ws: list[str], i: int) -> str:
    """The column of `CHECK (col IS NOT NULL)` (any number of parentheses around), else ""."""
    if i >= len(toks) or toks[i].token_type is not TokenType.L_PAREN:
        return ""
    lo, hi = i, _closing(toks, i) + 1  # [lo, hi) holds the parenthesised condition
    if hi > len(toks):
        return ""
    while hi - lo > 2 and toks[lo].token_type is TokenType.L_PAREN:
        if toks[hi - 1].token_type is not TokenType.R_PAREN:
            return ""
        lo, hi = lo + 1, hi - 1
    if hi - lo == 4 and ws[lo + 1 : hi] == ["IS", "NOT", "NULL"] and _is_column_token(toks[lo]):
        return toks[lo].text.lower()
    return ""


def _is_column_token(tok: Token) -> bool:
    """A name where a column is expected: a quoted name or any bare word (`type`, `date` and
    `key` are keywords and common column names)."""
    if tok.token_type is TokenType.IDENTIFIER:
        return True
    return tok.token_type not in _STRING_TOKENS and bool(_WORD.match(tok.text))


def _column_name(toks: list[Token], k: int) -> str:
    return toks[k].text.lower() if k < len(toks) and _is_column_token(toks[k]) else ""


def _paren_names(toks: list[Token], i: int) -> tuple[str, ...]:
    """The names of `(a, b, "C")` at i; () when something else is there (an expression)."""
    if i >= len(toks) or toks[i].token_type is not TokenType.L_PAREN:
        return ()
    names: list[str] = []
    for j in range(i + 1, len(toks), 2):
        if not _is_column_token(toks[j]) or j + 1 >= len(toks):
            return ()
        names.append(toks[j].text.lower())
        if toks[j + 1].token_type is TokenType.R_PAREN:
            return tuple(names)
        if toks[j + 1].token_type is not TokenType.COMMA:
            return ()
    return ()


def _top_indices(toks: list[Token], start: int, stop: int | None = None) -> Iterator[int]:
    """Indices from start of the tokens outside parentheses and brackets (an opening one
    counts: `CHECK (` shows its parenthesis)."""
    depth = 0
    for j in range(start, len(toks) if stop is None else stop):
        tt = toks[j].token_type
        if tt is TokenType.L_PAREN or tt is TokenType.L_BRACKET:
            if depth == 0:
                yield j
            depth += 1
        elif tt is TokenType.R_PAREN or tt is TokenType.R_BRACKET:
            depth = max(depth - 1, 0)
        elif depth == 0:
            yield j


def _closing(toks: list[Token], i: int) -> int:
    """The index of the parenthesis closing the one at i (len(toks) when none does)."""
    depth = 0
    for j in range(i, len(toks)):
        tt = toks[j].token_type
        if tt is TokenType.L_PAREN:
            depth += 1
        elif tt is TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


# -- ALTER TABLE


def _alter_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    """Each comma-separated action of `ALTER TABLE [IF EXISTS] [ONLY] t [*] …` is one change
    (or none), located at the action."""
    if len(words) < 3 or words[1] != "TABLE":
        return
    parts, i = _name_at(chunk, _skip(words, 2, _NAME_PREFIXES))
    table = _normal([t.text for t in parts]) if parts else None
    if not table:
        return
    if i < len(chunk) and chunk[i].token_type is TokenType.STAR:
        i += 1
    for start, end in _top_level_items(chunk, i):
        toks, ws = chunk[start:end], words[start:end]
        action = _ALTER_ACTIONS.get(ws[0]) if ws else None
        if action is not None:
            action(table, toks, ws, found)


def _alter_add(table: str, toks: list[Token], ws: list[str], found: _Changes) -> None:
    """ADD [COLUMN] [IF NOT EXISTS] c type … (an inline REFERENCES or CHECK is an
    add_constraint beside it), or ADD [CONSTRAINT name] <table constraint>."""
    if len(ws) > 1 and ws[1] in _TABLE_CONSTRAINTS:
        _add_constraint(table, toks, ws, 1, found)
        return
    k = 2 if len(ws) > 1 and ws[1] == "COLUMN" else 1
    if ws[k : k + 3] == ["IF", "NOT", "EXISTS"]:
        k += 3
    column = _column_def(toks[k:], ws[k:], found)
    if column is None:
        return
    at = found.span(toks)
    found.add(
        SchemaChange(
            "add_column",
            table,
            at,
            column=column.name,
            type=column.type,
            not_null=column.not_null,
            default=column.default,
            primary_key=column.primary_key,
            unique=column.unique,
        )
    )
    for constraint, name, checked in column.constraints:
        found.add(
            SchemaChange(
                "add_constraint", table, at, column=checked, name=name, constraint=constraint
            )
        )


def _add_constraint(table: str, toks: list[Token], ws: list[str], k: int, found: _Changes) -> None:
    """`[CONSTRAINT name] {CHECK (…) | UNIQUE … | PRIMARY KEY … | FOREIGN KEY … | EXCLUDE …}
    [NOT VALID]`, or `… {UNIQUE | PRIMARY KEY} USING INDEX idx`."""
    name = ""
    if ws[k] == "CONSTRAINT":
        name = _column_name(toks, k + 1)
        k += 2
    constraint = _CONSTRAINT_KINDS.get(ws[k]) if k < len(ws) else None
    if constraint is None:
        return
    tops = list(_top_indices(toks, k + 1))
    outer = [*(ws[j] for j in tops), "", ""]  # the words outside parentheses
    not_valid = any(outer[p : p + 2] == ["NOT", "VALID"] for p in range(len(tops)))
    using_index = any(  # not USING INDEX TABLESPACE, which only places the new index
        outer[p : p + 2] == ["USING", "INDEX"] and outer[p + 2] != "TABLESPACE"
        for p in range(len(tops))
    )
    column = ""
    if constraint == "check":
        column = _not_null_check(toks, ws, k + 1)
        constraint = "check_not_null" if column else constraint
    elif constraint != "exclusion":
        opening = next((j for j in tops if toks[j].token_type is TokenType.L_PAREN), -1)
        names = _paren_names(toks, opening) if opening >= 0 else ()
        column = names[0] if len(names) == 1 else ""
    found.add(
        SchemaChange(
            "add_constraint",
            table,
            found.span(toks),
            column=column,
            name=name,
            constraint=constraint,
            not_valid=not_valid,
            using_index=using_index,
        )
    )


def _alter_drop(table: str, toks: list[Token], ws: list[str], found: _Changes) -> None:
    """DROP [COLUMN] [IF EXISTS] c (DROP CONSTRAINT is no change the rules judge)."""
    if len(ws) < 2 or ws[1] in _DROP_NOT_COLUMN:
        return
    k = 2 if ws[1] == "COLUMN" else 1
    if ws[k : k + 2] == ["IF", "EXISTS"]:
        k += 2
    column = _column_name(toks, k)
    if column:
        found.add(SchemaChange("drop_column", table, found.span(toks), column=column))


def _alter_rename(table: str, toks: list[Token], ws: list[str], found: _Changes) -> None:
    """RENAME TO new (the table), RENAME [COLUMN] a TO b; RENAME CONSTRAINT is no change."""
    at = found.span(toks)
    if ws[1:2] == ["TO"]:
        parts, _ = _name_at(toks, 2)
        new = _normal([t.text for t in parts]) if parts else None
        if new:
            found.add(SchemaChange("rename_table", table, at, name=new))
        return
    if ws[1:2] in (["CONSTRAINT"], ["INDEX"], ["KEY"]):
        return
    k = 2 if ws[1:2] == ["COLUMN"] else 1
    old, new = _column_name(toks, k), _column_name(toks, k + 2)
    if old and new and ws[k + 1] == "TO":
        found.add(SchemaChange("rename_column", table, at, column=old, name=new))


def _alter_column(table: str, toks: list[Token], ws: list[str], found: _Changes) -> None:
    """ALTER [COLUMN] c {TYPE t | SET DATA TYPE t} [COLLATE …] [USING …], SET / DROP NOT NULL;
    the other column alterations (SET DEFAULT, SET STATISTICS, …) change no data."""
    k = 2 if ws[1:2] == ["COLUMN"] else 1
    column = _column_name(toks, k)
    if not column or ws[k : k + 1] == ["CONSTRAINT"]:
        return
    rest = ws[k + 1 : k + 4]
    at = found.span(toks)
    if rest[:1] == ["TYPE"] or rest == ["SET", "DATA", "TYPE"]:
        start = k + 2 if rest[:1] == ["TYPE"] else k + 4
        end = next((j for j in _top_indices(toks, start) if ws[j] in {"USING", "COLLATE"}), None)
        sql_type = normalise_type(found.text(toks[start:end]))
        found.add(SchemaChange("alter_type", table, at, column=column, type=sql_type))
    elif rest == ["SET", "NOT", "NULL"]:
        found.add(SchemaChange("set_not_null", table, at, column=column))
    elif rest == ["DROP", "NOT", "NULL"]:
        found.add(SchemaChange("drop_not_null", table, at, column=column))


def _alter_validate(table: str, toks: list[Token], ws: list[str], found: _Changes) -> None:
    name = _column_name(toks, 2) if ws[1:2] == ["CONSTRAINT"] else ""
    if name:
        found.add(SchemaChange("validate_constraint", table, found.span(toks), name=name))


_ALTER_ACTIONS = {
    "ADD": _alter_add,
    "DROP": _alter_drop,
    "RENAME": _alter_rename,
    "ALTER": _alter_column,
    "VALIDATE": _alter_validate,
}


# -- DROP, SET, DML


def _drop_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    """DROP TABLE a, b: one drop_table each; DROP INDEX [CONCURRENTLY] i: its table is not
    written, so it stays unknown ("")."""
    obj = words[1] if len(words) > 1 else ""
    if obj == "TABLE":
        for parts in _name_list(chunk, _skip(words, 2, {"IF", "EXISTS"})):
            table = _normal([t.text for t in parts])
            if table:
                found.add(SchemaChange("drop_table", table, found.statement))
    elif obj == "INDEX":
        concurrently = words[2:3] == ["CONCURRENTLY"]
        for parts in _name_list(chunk, _skip(words, 2, {"CONCURRENTLY", "IF", "EXISTS"})):
            change = SchemaChange(
                "drop_index",
                "",
                found.statement,
                name=_object_name(parts),
                concurrently=concurrently,
            )
            found.add(change)


def _set_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    """SET [SESSION | LOCAL] lock_timeout {TO | =} value, unless the value turns it off."""
    i = _skip(words, 1, {"SESSION", "LOCAL"})
    if words[i : i + 1] != ["LOCK_TIMEOUT"]:
        return
    j = i + 2 if words[i + 1 : i + 2] in (["TO"], ["="]) else i + 1
    if j < len(chunk) and not _NO_TIMEOUT.match(chunk[j].text.strip()):
        found.add(SchemaChange("set_lock_timeout", "", found.statement))


def _select_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    """`SELECT set_config('lock_timeout', '5s', …)`: the function form of SET."""
    if "set_config" not in found.text(chunk).lower():
        return
    for j, word in enumerate(words):
        if word != "SET_CONFIG" or j + 4 >= len(chunk):
            continue
        name, value = chunk[j + 2], chunk[j + 4]
        if (
            chunk[j + 1].token_type is TokenType.L_PAREN
            and name.token_type in _STRING_TOKENS
            and name.text.strip().lower() == "lock_timeout"
            and value.token_type in (*_STRING_TOKENS, TokenType.NUMBER)
            and not _NO_TIMEOUT.match(value.text.strip())
        ):
            found.add(SchemaChange("set_lock_timeout", "", found.statement))


def _dml_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    """INSERT / UPDATE / DELETE anywhere in the statement (data-modifying CTEs too). An UPDATE or
    DELETE has a WHERE when one follows it inside its own parentheses."""
    groups = [0]  # the parenthesis each token is in: 0 outside, then one number per "("
    opened = 0
    last: dict[int, int] = {}  # parenthesis → index in found.changes of its UPDATE / DELETE
    for j, word in enumerate(words):
        tt = chunk[j].token_type
        if tt is TokenType.L_PAREN:
            opened += 1
            groups.append(opened)
        elif tt is TokenType.R_PAREN:
            if len(groups) > 1:
                groups.pop()
        elif word == "WHERE":
            k = last.pop(groups[-1], -1)
            if k >= 0:
                found.changes[k] = replace(found.changes[k], where=True)
        elif word in _DML_WORDS and (kind_at := _dml_target(words, j)):
            kind, at = kind_at
            parts, _ = _name_at(chunk, _skip(words, at, {"ONLY"}))
            table = _normal([t.text for t in parts]) if parts else None
            if table:
                if kind != "insert":
                    last[groups[-1]] = len(found.changes)
                found.add(SchemaChange(kind, table, found.statement, where=kind == "insert"))


def _dml_target(words: list[str], j: int) -> tuple[str, int] | None:
    """(kind, index of its table) when words[j] starts an INSERT INTO / UPDATE / DELETE FROM;
    `FOR UPDATE`, `ON CONFLICT DO UPDATE` and MERGE's `THEN UPDATE` do not."""
    word = words[j]
    nxt = words[j + 1] if j + 1 < len(words) else ""
    if word == "INSERT" and nxt == "INTO":
        return "insert", j + 2
    if word == "UPDATE" and (j == 0 or words[j - 1] not in {"FOR", "DO", "ON", "KEY", "THEN"}):
        return "update", j + 1
    if word == "DELETE" and nxt == "FROM":
        return "delete", j + 2
    return None


def _truncate_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    """TRUNCATE [TABLE] [ONLY] a, b: every row of each deleted."""
    for parts in _name_list(chunk, _skip(words, 1, {"TABLE", "ONLY"})):
        table = _normal([t.text for t in parts])
        if table:
            found.add(SchemaChange("delete", table, found.statement, where=False))


def _copy_changes(chunk: list[Token], words: list[str], found: _Changes) -> None:
    """COPY t [(cols)] FROM …: rows inserted (COPY … TO only reads)."""
    parts, _ = _name_at(chunk, 1)
    table = _normal([t.text for t in parts]) if parts else None
    if table and "FROM" in words:
        found.add(SchemaChange("insert", table, found.statement))


_CHANGE_READERS = {
    "CREATE": _create_changes,
    "ALTER": _alter_changes,
    "DROP": _drop_changes,
    "SET": _set_changes,
    "SELECT": _select_changes,
    "INSERT": _dml_changes,
    "UPDATE": _dml_changes,
    "DELETE": _dml_changes,
    "WITH": _dml_changes,
    "TRUNCATE": _truncate_changes,
    "COPY": _copy_changes,
}
