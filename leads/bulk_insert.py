"""Inserting many small rows at once, skipping those a unique constraint already holds.

`INSERT … ON CONFLICT DO NOTHING` (SQLite and PostgreSQL spell it alike) sent with
executemany: `bulk_create` builds each model instance and compiles its values one by one,
which made memberships and phones the slowest part of a 100,000-row import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import batched

from django.db import connection, models

BATCH_ROWS = 2_000


def insert_new(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (values in `fields` order, ready for the database) into `model`'s table."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        for batch in batched(rows, BATCH_ROWS):
            cursor.executemany(sql, batch)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column
