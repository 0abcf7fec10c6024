"""Queries compiled once and run again with a set of lead ids as their one parameter.

Compiling a query (a CASE, a UNION, 2,000 ids prepared for `__in`) can cost more than running
it: the export compiles its per-chunk queries once per export, the pages compile their
contacts read and other fixed reads of a page once per process (`compiled_once`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import NotSupportedError, connections
from django.db.models import F, Lookup, Model, QuerySet

_CHUNK = object()  # where a compiled query takes the chunk's ids
ModelT = TypeVar("ModelT", bound=Model)


class AmongChunk(Lookup):
    """`column` is one of the ids of the chunk being read, sent as one parameter (a JSON
    array on SQLite, an array on PostgreSQL): `.filter(AmongChunk("lead_id"))`. Either way
    the ids are a small table the planner joins by the column's index."""

    lookup_name = "among_chunk"
    prepare_rhs = False

    def __init__(self, column: str) -> None:
        super().__init__(F(column), _CHUNK)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        column, params = self.process_lhs(compiler, connection)
        if connection.vendor == "sqlite":
            return f"{column} IN (SELECT value FROM json_each(%s))", (*params, _CHUNK)
        if connection.vendor == "postgresql":
            return f"{column} IN (SELECT unnest(%s::bigint[]))", (*params, _CHUNK)
        raise NotSupportedError("Chunked reads run on SQLite and PostgreSQL only.")


Converters = dict[int, tuple[list[Callable[..., Any]], Any]]


class ChunkQuery:
    """A query filtered by `AmongChunk`, compiled once, run once a chunk. `converters` are
    Django's for its columns (what turns SQLite's 0/1 and text into booleans and datetimes)."""

    def __init__(self, queryset: QuerySet[Any], *, outer: str = "{}") -> None:
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        self.sql, self.params = outer.format(sql), list(params)
        self.connection = connections[self.db]
        sqlite = self.connection.vendor == "sqlite"
        self.encode: Callable[[list[int]], Any] = json.dumps if sqlite else _array_literal
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        self.converters: Converters = compiler.get_converters(columns)

    def rows(self, lead_ids: list[int], connection: Any = None) -> list[tuple[Any, ...]]:
        """The rows for these ids, read on `connection` (by default this thread's)."""
        ids = self.encode(lead_ids)
        with (connection or connections[self.db]).cursor() as cursor:
            cursor.execute(self.sql, [ids if p is _CHUNK else p for p in self.params])
            return cursor.fetchall()

    def converted_rows(self, lead_ids: list[int]) -> list[list[Any]]:
        """`rows()` with each set cell through its column's converters."""
        converters, connection = list(self.converters.items()), self.connection
        converted = []
        for row in self.rows(lead_ids):
            cells = list(row)
            for index, (functions, expression) in converters:
                value = cells[index]
                if value is not None:
                    for function in functions:
                        value = function(value, expression, connection)
                    cells[index] = value
            converted.append(cells)
        return converted

    def instances(self, model: type[ModelT], lead_ids: list[int]) -> list[ModelT]:
        """The rows as `model` instances: for a query of that model's own columns (no
        select_related, annotation or deferred field)."""
        names = [f.attname for f in model._meta.concrete_fields]
        return [model.from_db(self.db, names, row) for row in self.converted_rows(lead_ids)]


_compiled: dict[tuple[str, str], ChunkQuery] = {}  # (what, database): the compiled query


def compiled_once(what: str, db: str, query: Callable[[str], QuerySet[Any]]) -> ChunkQuery:
    """`query(db)` compiled the first time `what` is asked of this process, for a query whose
    only changing parameter is its `AmongChunk` ids (no date, no user: those are compiled in)."""
    compiled = _compiled.get((what, db))
    if compiled is None:
        compiled = _compiled[what, db] = ChunkQuery(query(db))
    return compiled


def _array_literal(ids: list[int]) -> str:
    """The ids as PostgreSQL's text for an array (`{1,2,3}`): psycopg adapting a list of
    2,000 ints element by element costs more than the query it is sent with."""
    return "{" + ",".join(map(str, ids)) + "}"
