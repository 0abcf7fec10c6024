"""Writing many rows at once: small rows that skip what a unique constraint already holds,
and new leads as plain values, upserted on the dedup key with their pks returned.

`bulk_create` builds each model instance and compiles its values one by one, which made
memberships, phones and leads the slowest part of a 100,000-row import and of ATTOM ingest.
Here a lead not yet stored is a `LeadValues` (a dict of its column values, defaults filled),
and a batch of them is one `INSERT … ON CONFLICT … RETURNING` statement (SQLite and
PostgreSQL spell it alike), which hands back each row's pk by its dedup key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import batched
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone

from leads.models import Lead

BATCH_ROWS = 2_000
LEAD_BATCH = 500  # leads per statement: 500 x ~70 columns stays under PostgreSQL's 65,535
PLAIN_TYPES = (str, int, bool, float)  # sent to the database as they are
DEDUP_COLUMNS = ("normalized_address", "normalized_owner")
Key = tuple[str, str]


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


class LeadValues(dict[str, Any]):
    """A lead not yet stored: its column values by attribute name. They read and set as
    attributes too, so what works on a lead before it is saved (the rules score, the board's
    next position, the ingest's merge of twins) works on these without a model instance."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    @property
    def pk(self) -> int | None:
        return self.get("id")

    @property
    def key(self) -> Key:
        return (self["normalized_address"], self["normalized_owner"])


def _lead_fields() -> list[models.Field]:
    return [f for f in Lead._meta.concrete_fields if not f.primary_key]


def _made_per_lead(field: models.Field) -> bool:
    return field.has_default() and callable(field.default)  # a JSON field's list: one each


_DEFAULTS = {f.attname: f.get_default() for f in _lead_fields() if not _made_per_lead(f)}
_FACTORIES = [(f.attname, f.default) for f in _lead_fields() if _made_per_lead(f)]


def new_lead(**values: Any) -> LeadValues:
    """A new lead's values: the model's defaults, then `values` (attribute names)."""
    lead = LeadValues(_DEFAULTS)
    for name, factory in _FACTORIES:
        lead[name] = factory()
    lead.update(values)
    return lead


def leads_upsert(leads: Sequence[LeadValues], *, update: Sequence[str]) -> dict[Key, int]:
    """Store new leads; a lead whose dedup key is taken updates that row's `update` fields
    instead. Returns every lead's pk by its key (the leads are given theirs, too)."""
    now = timezone.now()
    fields = _lead_fields()
    quote = connection.ops.quote_name
    column_of = {f.name: quote(str(f.column)) for f in fields}
    updated = [column_of[name] for name in [*update, "updated_at"]]
    updates = ", ".join(f"{column} = excluded.{column}" for column in updated)
    head = f"INSERT INTO {quote(Lead._meta.db_table)} ({', '.join(column_of.values())}) VALUES "
    tail = (
        f" ON CONFLICT ({', '.join(map(quote, DEDUP_COLUMNS))}) DO UPDATE SET {updates} "
        f"RETURNING {quote('id')}, {', '.join(map(quote, DEDUP_COLUMNS))}"
    )
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    rows = RowValues(fields)
    pks: dict[Key, int] = {}
    with connection.cursor() as cursor:
        for batch in batched(leads, LEAD_BATCH):
            params: list[Any] = []
            for lead in batch:
                lead["created_at"] = lead.get("created_at") or now
                lead["updated_at"] = now
                params += rows.of(lead)
            cursor.execute(head + ", ".join([one_row] * len(batch)) + tail, params)
            pks.update(((address, owner), pk) for pk, address, owner in cursor.fetchall())
    for lead in leads:
        lead["id"] = pks[lead.key]
    return pks


class RowValues:
    """Rows of these fields' values as the database takes them: most go as they are (read
    at C speed), those of fields that convert (JSON, decimals, dates and times, choices)
    through `prepare_value`."""

    def __init__(self, fields: Sequence[models.Field], *, by_position: bool = False) -> None:
        kinds = {"JSONField", "DecimalField", "DateField", "DateTimeField", "TimeField"}
        self.fields = list(fields)
        keys = range(len(fields)) if by_position else [field.attname for field in fields]
        self._read = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
        self._converting = [
            (index, field, isinstance(field, models.JSONField))
            for index, field in enumerate(self.fields)
            if field.get_internal_type() in kinds or field.choices
        ]
        self._prepared: dict[tuple[str, object], object] = {}

    def of(self, row: dict[str, Any] | Sequence[Any]) -> list[Any]:
        """A row's values: a dict by attribute name, or (`by_position`) a sequence."""
        values = list(self._read(row))
        for index, field, json_field in self._converting:
            value = values[index]
            if json_field or (value is not None and type(value) is not str):
                values[index] = prepare_value(field, value, self._prepared)
        return values


def prepare_value(
    field: models.Field, value: object, prepared: dict[tuple[str, object], object]
) -> object:
    """A value as the database takes it. Dates, times and decimals repeat from row to row (a
    batch's one timestamp, sale dates, baths): each is prepared once, in `prepared`."""
    if isinstance(field, models.JSONField):
        # Not hashable: its text is the key (most rows hold {} or the same few reasons).
        key: tuple[str, object] = (field.attname, json.dumps(value, sort_keys=True, default=str))
    elif value is None or type(value) in PLAIN_TYPES:
        return value
    else:
        key = (field.attname, value)
    if key not in prepared:
        prepared[key] = field.get_db_prep_save(value, connection)
    return prepared[key]


def prepared_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]
) -> list[list[object]]:
    """Rows of `fields` values (attribute values, as a model instance holds them) as the
    database takes them, for `insert_new`."""
    model_fields = [model._meta.get_field(name) for name in fields]
    assert all(isinstance(field, models.Field) for field in model_fields)
    values = RowValues(model_fields, by_position=True)  # type: ignore[arg-type]
    return [values.of(row) for row in rows]


def lead_keys_at(addresses: Iterable[str]) -> list[tuple[int, str, str]]:
    """(pk, normalized address, normalized owner) of every stored lead at these addresses."""
    wanted = list(set(addresses))
    rows: list[tuple[int, str, str]] = []
    for batch in batched(wanted, LEAD_BATCH):
        found = Lead.objects.filter(normalized_address__in=batch)
        rows += found.values_list("pk", "normalized_address", "normalized_owner")
    return rows
