"""Python reader: one `ast.parse`, one walk, plain facts out.

`ast` is used rather than libcst because facts need only positions, and `ast` is an order of
magnitude cheaper (see DESIGN.md). The scanned code is parsed, never compiled or imported.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import replace

from archlint.extract.pyfacts import MODULE_SCOPE, FactCollector, Scope
from archlint.extract.sql import read_sql, sql_statements
from archlint.facts import PythonFacts, SchemaChange, SqlStatement, TableUse
from archlint.model import Location, NamedValue, ParseProblem
from archlint.positions import LineIndex

# Calls whose (name, default) arguments read configuration from the environment:
# os.getenv, os.environ.get, environ.get, django-environ's env(), python-decouple's config().
_ENV_FUNCS = {"getenv", "get", "env", "config", "str", "setdefault"}
_ENV_OWNERS = {"os", "environ", "os.environ", "env", "environ.Env"}
# Wrappers whose first argument (or default=) is the field's value: pydantic, SecretStr, …
_VALUE_WRAPPERS = {"Field", "SecretStr", "SecretBytes", "Secret", "field", "Option", "Str"}
# Calls whose first argument is SQL: DB-API cursors, SQLAlchemy, Alembic's op.execute, Django.
_SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql", "raw"}
_SQL_FUNCS = {"text", "RunSQL"}


class _Lines:
    """Converts ast's UTF-8 byte columns to code-point columns (1-based)."""

    __slots__ = ("lines",)

    def __init__(self, text: str):
        self.lines = text.split("\n")

    def col(self, line: int, byte_col: int) -> int:
        if line - 1 >= len(self.lines):
            return byte_col + 1
        src = self.lines[line - 1]
        if src.isascii():
            return byte_col + 1
        return len(src.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        inner = _dotted(node.value)
        key = node.slice.value
        return f"{inner}.{key}" if inner and isinstance(key, str) else (inner or "")
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _target_name(node: ast.expr) -> str:
    """The name a value is bound to: `x`, `self.password` -> `password`, `cfg["token"]` -> `token`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        key = node.slice.value
        return key if isinstance(key, str) else ""
    return ""


class _Collector:
    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self.lines = _Lines(text)
        self.values: list[NamedValue] = []
        self._index: LineIndex | None = None
        self._strings: dict[str, ast.Constant] = {}  # name → the string last assigned to it
        self._sql_read: set[int] = set()
        # id(string constant) → its SQL statements: read once for tables and migration changes
        self._sql_memo: dict[int, list[SqlStatement]] = {}
        self.facts: FactCollector | None = None

    # -- helpers -------------------------------------------------------------------------------
    def locate(self, node: ast.AST) -> Location:
        return self._loc(node)  # type: ignore[arg-type]

    def _loc(self, node: ast.expr) -> Location:
        end_line = node.end_lineno or node.lineno
        return Location(
            self.path,
            node.lineno,
            self.lines.col(node.lineno, node.col_offset),
            end_line,
            self.lines.col(end_line, node.end_col_offset or node.col_offset),
        )

    def _literal(self, node: ast.expr | None) -> ast.Constant | None:
        """The string constant a value expression stands for, through Field()/SecretStr()."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node
        if isinstance(node, ast.Call):
            func = _dotted(node.func).rsplit(".", 1)[-1]
            if func in _VALUE_WRAPPERS:
                for kw in node.keywords:
                    if kw.arg == "default":
                        return self._literal(kw.value)
                if node.args:
                    return self._literal(node.args[0])
        return None

    def _add(self, name: str, node: ast.expr | None, context: str) -> None:
        const = self._literal(node)
        if name and const is not None and isinstance(const.value, str):
            self.values.append(NamedValue(name, const.value, self._loc(const), context))

    # -- bindings ------------------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._add(_target_name(target), node.value, "assignment")
            # `QUERY = """SELECT …"""` then `cur.execute(QUERY)`: remembered for _embedded_sql.
            value = node.value
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                self._strings[target.id] = value

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._add(_target_name(node.target), node.value, "assignment")

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        positional = args.posonlyargs + args.args
        for arg, default in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            self._add(arg.arg, default, "default")
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            self._add(arg.arg, kw_default, "default")

    def collect(self, tree: ast.AST, facts: FactCollector) -> None:
        """One iterative pass over every node in source order (no recursion limit), feeding the
        named-value handlers and the architecture fact collector with each node's scope."""
        handlers = {
            ast.Assign: self.visit_Assign,
            ast.AnnAssign: self.visit_AnnAssign,
            ast.FunctionDef: self._visit_function,
            ast.AsyncFunctionDef: self._visit_function,
            ast.Call: self.visit_Call,
            ast.Dict: self.visit_Dict,
            ast.Compare: self.visit_Compare,
        }
        get = handlers.get
        visit = facts.visit
        children = ast.iter_child_nodes
        stack: list[tuple[ast.AST, Scope]] = [(tree, MODULE_SCOPE)]
        pop, extend = stack.pop, stack.extend
        while stack:
            node, scope = pop()
            handler = get(type(node))
            if handler is not None:
                handler(node)  # type: ignore[operator]
            inner = visit(node, scope)
            kids = list(children(node))
            kids.reverse()
            extend((kid, inner) for kid in kids)

    def visit_Call(self, node: ast.Call) -> None:
        for kw in node.keywords:
            if kw.arg:
                self._add(kw.arg, kw.value, "keyword")
        func = node.func
        fname = func.attr if isinstance(func, ast.Attribute) else _dotted(func)
        owner = _dotted(func.value) if isinstance(func, ast.Attribute) else ""
        if fname in _ENV_FUNCS and (owner in _ENV_OWNERS or (not owner and fname != "get")):
            var = node.args[0] if node.args else None
            default = node.args[1] if len(node.args) > 1 else None
            for kw in node.keywords:
                if kw.arg == "default":
                    default = kw.value
            if isinstance(var, ast.Constant) and isinstance(var.value, str):
                self._add(var.value, default, "env-default")
        if (
            (fname in _SQL_METHODS and owner)
            or (fname in _SQL_FUNCS and not owner)
            or (fname in _SQL_FUNCS and owner.endswith(("migrations", "sqlalchemy", "sa")))
        ):
            self._embedded_sql(node)

    def _statements(self, const: ast.Constant) -> list[SqlStatement]:
        """The SQL statements of a string constant, read once per constant."""
        statements = self._sql_memo.get(id(const))
        if statements is None:
            sql = const.value if isinstance(const.value, str) else ""
            statements, _problems = sql_statements(sql, self.path)
            self._sql_memo[id(const)] = statements
        return statements

    def _sql_position(self, const: ast.Constant) -> tuple[Location, int]:
        """The constant's location, and the offset of its text in the file (-1 when the source
        does not spell the SQL as is, e.g. with escapes: then positions do not map 1:1)."""
        loc = self._loc(const)
        if self._index is None:
            self._index = LineIndex(self.text, self.path)
        start = self._index.offset(loc.line, loc.column)
        sql = const.value if isinstance(const.value, str) else ""
        return loc, self.text.find(sql, start, start + len(sql) + 8)

    def _sql_constant(self, node: ast.expr | None) -> ast.Constant | None:
        """The string constant SQL passed as `node` stands for: a literal, a name bound to one,
        or either wrapped in `text(…)`."""
        if isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] == "text":
            node = node.args[0] if node.args else None
        if isinstance(node, ast.Name):
            node = self._strings.get(node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node
        return None

    def sql_changes(self, node: ast.expr) -> list[SchemaChange] | None:
        """The schema changes of literal SQL (`op.execute("…")`, `RunSQL("…")`) located in
        this file; None when `node` is not literal SQL."""
        const = self._sql_constant(node)
        if const is None:
            return None
        statements = self._statements(const)
        loc, at = self._sql_position(const)
        assert self._index is not None
        base_line, base_col = self._index.position(at) if at >= 0 else (loc.line, loc.column)
        out: list[SchemaChange] = []
        for st in statements:
            for change in st.changes:
                c = change.location
                if at < 0:
                    where = loc
                else:
                    where = Location(
                        self.path,
                        c.line + base_line - 1,
                        c.column + base_col - 1 if c.line == 1 else c.column,
                        c.end_line + base_line - 1,
                        c.end_column + base_col - 1
                        if c.end_line == 1 and c.end_column
                        else c.end_column,
                    )
                out.append(replace(change, location=where))
        return out

    def _embedded_tables(self, const: ast.Constant, loc: Location, at: int) -> None:
        """Tables read and written by SQL in a string, located in this file (at the string when
        its text is not spelled as is in the source)."""
        assert self.facts is not None and self._index is not None
        statements = self._statements(const)
        base_line = self._index.position(at)[0] if at >= 0 else loc.line
        for st in statements:
            for t in st.tables:
                where = Location(self.path, base_line + t.location.line - 1) if at >= 0 else loc
                self.facts.tables.append(TableUse(t.table, t.op, where, "sql", columns=t.columns))

    def _embedded_sql(self, node: ast.Call) -> None:
        """Named literals of SQL written in a string argument, located in this file."""
        arg = node.args[0] if node.args else None
        if isinstance(arg, ast.Name) and arg.id in self._strings:
            const = self._strings[arg.id]
            if id(const) in self._sql_read:
                return  # the same constant executed again: its tables are already known
            self._sql_read.add(id(const))
            arg = const
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return
        sql = arg.value
        # Found only when the source spells the SQL as is (no escapes): then positions map 1:1.
        loc, at = self._sql_position(arg)
        if self.facts is not None and _looks_like_sql(sql):
            self._embedded_tables(arg, loc, at)
        if at < 0 or self._index is None:
            return
        base_line, base_col = self._index.position(at)
        values, _problem = read_sql(sql, self.path)
        for nv in values:
            v = nv.location

            def col(line: int, c: int) -> int:
                return c + base_col - 1 if line == 1 else c

            self.values.append(
                NamedValue(
                    nv.name,
                    nv.value,
                    Location(
                        self.path,
                        v.line + base_line - 1,
                        col(v.line, v.column),
                        v.end_line + base_line - 1,
                        col(v.end_line, v.end_column),
                    ),
                    "sql",
                )
            )

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._add(key.value, value, "dict")

    def visit_Compare(self, node: ast.Compare) -> None:
        # `if token == "…"`: a hardcoded credential check.
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq):
            left, right = node.left, node.comparators[0]
            name = _target_name(left) or _target_name(right)
            for side in (left, right):
                if isinstance(side, ast.Constant):
                    self._add(name, side, "comparison")


_SQL_START = (
    "select",
    "insert",
    "update",
    "delete",
    "with",
    "create",
    "alter",
    "drop",
    "truncate",
    "merge",
    "copy",
)


def _looks_like_sql(text: str) -> bool:
    return text.lstrip().lower().startswith(_SQL_START)


def read_python(
    text: str, path: str
) -> tuple[list[NamedValue], ParseProblem | None, PythonFacts | None]:
    """Parse Python source; return named literal values and architecture facts, or the parse
    problem."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes in scanned code
            tree = ast.parse(text, filename=path, type_comments=False)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        # exc.text is the offending source line; it may hold a secret, so it is never shown.
        msg = exc.msg if isinstance(exc.msg, str) else "invalid syntax"
        return (
            [],
            ParseProblem(f"Python syntax error: {msg}", Location(path, line, max(col, 1))),
            None,
        )
    except (RecursionError, MemoryError):
        return [], ParseProblem("Python source nests too deeply to parse", Location(path, 1)), None
    except ValueError as exc:  # e.g. NUL bytes on older Pythons
        return (
            [],
            ParseProblem(f"Python source could not be parsed: {exc}", Location(path, 1)),
            None,
        )
    collector = _Collector(path, text)
    facts = FactCollector(path, text, collector.locate)
    collector.facts = facts
    if facts.migration_reader is not None:
        facts.migration_reader.sql_changes = collector.sql_changes
    collector.collect(tree, facts)
    collector.values.sort(key=lambda v: (v.location.line, v.location.column))
    return collector.values, None, facts.finish()
