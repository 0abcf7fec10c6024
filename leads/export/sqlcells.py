"""CSV cells the database formats: a run of a lead's cells, each written as csv.writer
would write it and joined by commas, read as one text value.

Reading one text per run instead of a value per column, and formatting it in SQL instead of
Python, is most of what makes the full export fast: a lead row is about fifty cells. Only
formats that are exact in SQL are made here: text (quoted when it holds a comma, a quote or a
line break, quotes doubled: csv.writer's minimal quoting), integers, true/false/blank flags
and ISO dates. Formula escaping (`writer.safe_cell`) stays in Python: a run whose cells might
need it is split back into its cells and each is escaped, so the rule has one home.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django.db import NotSupportedError
from django.db.models import BooleanField, CharField, Expression, F

from leads.export.formula import char_class

TEXT: Final = "text"
NUMBER: Final = "number"  # an integer, or blank
BOOL: Final = "bool"  # true, false, or blank
FLAG: Final = "flag"  # its text when true, else blank (sandbox: "SANDBOX")
DATE: Final = "date"  # YYYY-MM-DD, or blank

# How each kind of cell is written, per backend; {x} is the cell's value, and a cell that
# can be NULL is written blank. The fastest join differs: printf on SQLite (whose %s writes
# NULL as nothing and an integer as its digits), || on PostgreSQL (format() is slower).
_BOOL = "CASE WHEN {x} IS NULL THEN '' WHEN {x} THEN 'true' ELSE 'false' END"
_FORMATS: dict[str, dict[str, str]] = {
    "sqlite": {
        # GLOB is SQLite's fast pattern test: a comma, a quote, LF or CR anywhere.
        TEXT: """iif({x} GLOB '*[",\n\r]*', '"' || replace({x}, '"', '""') || '"', {x})""",
        NUMBER: "{x}",
        BOOL: _BOOL,
        DATE: "{x}",  # stored as YYYY-MM-DD
    },
    "postgresql": {
        # strpos is cheaper here than a regex or LIKE; || would make the run NULL.
        TEXT: """CASE WHEN strpos({x}, ',') + strpos({x}, '"') + strpos({x}, '\n') """
        """+ strpos({x}, '\r') > 0 THEN '"' || replace({x}, '"', '""') || '"' """
        """ELSE COALESCE({x}, '') END""",
        NUMBER: "COALESCE(CAST({x} AS text), '')",
        BOOL: _BOOL,
        DATE: "COALESCE(to_char({x}, 'YYYY-MM-DD'), '')",
    },
}
# Whether any of the texts starts with a formula character (leads.export.formula).
_STARTS = {
    "sqlite": f"(printf(%s, {{cells}}) GLOB '*{char_class()}*')",
    "postgresql": f"(({{cells}}) ~ '{char_class()}')",
}


def _vendor(connection: Any) -> str:
    if connection.vendor not in _FORMATS:
        raise NotSupportedError("The export formats cells on SQLite and PostgreSQL only.")
    return str(connection.vendor)


class CsvCells(Expression):
    """`CsvCells((TEXT, "street"), (NUMBER, "beds"), (FLAG, "sandbox", "SANDBOX"), ...)`:
    the cells as one CSV fragment (`12 W Main St,3,SANDBOX`), in the order given. A cell's
    value is a field name or an expression; a flag's cell also names its text."""

    output_field = CharField()

    def __init__(self, *cells: tuple[Any, ...]) -> None:
        super().__init__()
        self.kinds = [cell[0] for cell in cells]
        self.flags = [cell[2] if len(cell) > 2 else "" for cell in cells]
        self.values = [F(cell[1]) if isinstance(cell[1], str) else cell[1] for cell in cells]

    def get_source_expressions(self) -> list[Any]:
        return list(self.values)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.values = list(exprs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        vendor = _vendor(connection)
        formats = _FORMATS[vendor]
        parts: list[str] = []
        params: list[Any] = []
        for kind, flag, value in zip(self.kinds, self.flags, self.values, strict=True):
            sql, value_params = compiler.compile(value)
            if kind == FLAG:
                template = "CASE WHEN {x} THEN " + _literal(flag) + " ELSE '' END"
            else:
                template = formats[kind]
            parts.append(template.replace("{x}", f"({sql})"))
            params += list(value_params) * template.count("{x}")
        if vendor == "sqlite":  # the format, `%s,%s,...`, is a parameter
            sql = f"printf(%s, {', '.join(parts)})"
            return sql, (",".join(["%s"] * len(parts)), *params)
        return "(" + " || ',' || ".join(parts) + ")", tuple(params)


class StartsLikeFormula(Expression):
    """Whether any of these texts (field names or expressions) starts with a character a
    spreadsheet takes for a formula's: a cheap test per row for `writer.safe_cell`'s rule,
    which the writer then applies (a bare negative number passes it too)."""

    output_field = BooleanField()

    def __init__(self, *texts: Any) -> None:
        super().__init__()
        self.texts = [F(text) if isinstance(text, str) else text for text in texts]

    def get_source_expressions(self) -> list[Any]:
        return list(self.texts)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.texts = list(exprs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        vendor = _vendor(connection)
        compiled = [compiler.compile(text) for text in self.texts]
        params: list[Any] = []
        if vendor == "sqlite":  # %!.1s: the first character
            params.append("%!.1s" * len(compiled))
            cells = ", ".join(f"({sql})" for sql, _ in compiled)
        else:
            cells = " || ".join(f"left(({sql}), 1)" for sql, _ in compiled)
        for _, text_params in compiled:
            params += text_params
        return _STARTS[vendor].replace("{cells}", cells), tuple(params)


def _literal(text: str) -> str:
    """A constant of ours as an SQL string literal (never user input)."""
    if not text.isalnum():
        raise ValueError(f"A flag's text is letters and digits: {text!r}")
    return f"'{text}'"
