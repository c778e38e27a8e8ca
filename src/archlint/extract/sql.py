"""SQL reader: one sqlglot tokenization (PostgreSQL dialect, which also reads most Flyway / MySQL
migrations' literals), string literals bound to the names they are for.

Statement-level facts (tables, columns, locks) belong to the migrations issue and will come from
the same token stream.
"""

from __future__ import annotations

from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType  # type: ignore[attr-defined]

from archlint.facts import SqlFacts
from archlint.model import Location, NamedValue, ParseProblem
from archlint.positions import LineIndex

_STRINGS = {TokenType.STRING, TokenType.HEREDOC_STRING, TokenType.NATIONAL_STRING}
# `PASSWORD 'x'`, `IDENTIFIED BY 'x'`, `SECRET 'x'`: the keyword names the literal.
_NAMING_WORDS = {"PASSWORD", "SECRET", "BY", "TOKEN"}


def read_sql(text: str, path: str) -> tuple[list[NamedValue], ParseProblem | None]:
    offsets = LineIndex(text, path)
    try:
        tokens = Postgres().tokenize(text)
    except SqlglotError as exc:
        start = getattr(exc, "start", None)
        loc = offsets.location(start, start) if isinstance(start, int) else Location(path, 1)
        # sqlglot's message quotes the surrounding SQL, which may hold a secret: not shown.
        return [], ParseProblem(
            "SQL could not be tokenized (an unterminated string, quoted identifier, comment or "
            "dollar-quote starts here)",
            loc,
        )
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


def read_sql_facts(text: str, path: str) -> tuple[SqlFacts | None, list[ParseProblem]]:
    """Statement-level facts: tables created / altered / dropped / read / written, per statement."""
    return None, []
