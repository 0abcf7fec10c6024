"""Importing an investor's CSV list: preview, commit, and the repeat check.

Rows stream in chunks. Each chunk is matched against stored leads by ATTOM's dedup key
(address + owner; a row without an owner joins the one lead at its address when there is
exactly one), then — on commit — new leads are upserted in bulk, merged leads gain the row's
contacts and notes, and every lead joins the import's list (an existing lead on another list
is stacked). The same file (by SHA-256) imported again changes nothing and names the first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import batched
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from leads.activity.services import activities_insert, leads_activity_record
from leads.bulk_insert import insert_new
from leads.lists import csv_files
from leads.lists.import_rows import ImportRow, Rejection, import_row
from leads.lists.models import ListImport, ListKind
from leads.lists.services import add_found_leads, list_create
from leads.models import Activity, ActivityKind, Email, Lead, Phone
from leads.pipeline.services import append_to_stage
from leads.scoring.services import enqueue_ai_scoring, lead_score_rules
from leads.search.ingest import upsert
from leads.skiptrace.compliance import apply_do_not_call_list

CHUNK_ROWS = 2_000
PHONE_SOURCE = "import"
SAMPLE_ROWS = 10
Key = tuple[str, str]

NOTE_PREFIX = "From the import: "


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    merged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    encoding: str = ""
    separator: str = ","
    sample: list[tuple[ImportRow, str]] = field(default_factory=list)  # (row, "create"/"merge")
    lead_ids: list[int] = field(default_factory=list)
    record: ListImport | None = None  # the committed import
    duplicate_of: ListImport | None = None  # an earlier import of the same file

    @classmethod
    def of(cls, record: ListImport) -> ImportResult:
        """A committed import as it was answered."""
        rejected = [Rejection(r["row"], r["reason"], r["cells"]) for r in record.rejected]
        return cls(
            rows=record.rows, created=record.created, merged=record.merged, rejected=rejected,
            mapping=record.mapping, header=record.header, encoding=record.encoding,
            separator=record.delimiter or ",", record=record,
        )  # fmt: skip


@dataclass
class _Seen:
    """What earlier rows of this file matched or made, so later rows merge into it. A lead
    this import makes is known by its key until it is written, then by its pk."""

    keys: dict[Key, int | Key] = field(default_factory=dict)
    at_address: dict[str, set[int | Key]] = field(default_factory=dict)
    pk_of: dict[Key, int] = field(default_factory=dict)  # leads this import wrote

    def add(self, key: Key, target: int | Key) -> None:
        self.keys[key] = target
        self.at_address.setdefault(key[0], set()).add(target)


def import_preview(
    stream: BinaryIO, *, mapping: Mapping[str, object] | None = None
) -> ImportResult:
    """What a commit would do, writing nothing."""
    return _run(stream, mapping, commit=None)


def import_commit(
    stream: BinaryIO,
    *,
    list_name: str,
    user_id: int | None,
    file_name: str = "",
    mapping: Mapping[str, object] | None = None,
) -> ImportResult:
    with transaction.atomic():
        try:
            with transaction.atomic():
                return _run(stream, mapping, commit=(list_name, user_id, file_name))
        except IntegrityError:  # the same file, committed meanwhile by another request
            facts = csv_files.file_facts(stream)
            earlier = ListImport.objects.filter(file_sha256=facts.sha256).first()
            if earlier is None:
                raise
            return _repeat(earlier)


def _run(
    stream: BinaryIO,
    explicit: Mapping[str, object] | None,
    *,
    commit: tuple[str, int | None, str] | None,
) -> ImportResult:
    facts = csv_files.file_facts(stream)
    earlier = ListImport.objects.filter(file_sha256=facts.sha256).first()
    if earlier is not None:
        return _repeat(earlier)
    header, separator, rows = csv_files.csv_rows(csv_files.text_of(stream, facts.encoding))
    mapping = csv_files.column_mapping(header, explicit)
    result = ImportResult(mapping=mapping, header=header, encoding=facts.encoding)
    result.separator = separator
    seen = _Seen()
    for batch in batched(_parsed(rows, header, mapping, result), CHUNK_ROWS):
        chunk = list(batch)
        targets = _match(chunk, seen, result)
        if commit is not None:
            result.lead_ids += _write(chunk, targets, seen)
    if commit is not None:
        _finish(result, facts, list(seen.pk_of.values()), *commit)
    return result


def _parsed(
    rows: Iterator[tuple[int, list[str]]],
    header: list[str],
    mapping: dict[str, str],
    result: ImportResult,
) -> Iterator[ImportRow]:
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is no data row
        result.rows += 1
        row = import_row(line, header, mapping, cells)
        if isinstance(row, Rejection):
            result.rejected.append(row)
        else:
            yield row


@dataclass(frozen=True)
class _Target:
    lead: int | Key  # a stored lead's pk, or the key of a lead this import makes
    creates: bool  # this row makes that lead (the first row of the file with its key)


def _match(chunk: list[ImportRow], seen: _Seen, result: ImportResult) -> list[_Target]:
    """Each row's lead. A row repeating an earlier row of the file merges into its lead."""
    addresses = {row.lead.normalized_address for row in chunk} - set(seen.at_address)
    stored = Lead.objects.filter(normalized_address__in=addresses)
    for pk, address, owner in stored.values_list("pk", "normalized_address", "normalized_owner"):
        seen.add((address, owner), pk)
    targets = []
    for row in chunk:
        found = _found(row, seen)
        target = _Target(row.key, creates=True) if found is None else _Target(found, False)
        if target.creates:
            seen.add(row.key, row.key)
        result.created += target.creates
        result.merged += not target.creates
        if len(result.sample) < SAMPLE_ROWS:
            result.sample.append((row, "create" if target.creates else "merge"))
        targets.append(target)
    return targets


def _found(row: ImportRow, seen: _Seen) -> int | Key | None:
    if not row.has_owner:
        there = seen.at_address.get(row.lead.normalized_address, set())
        if len(there) == 1:
            return next(iter(there))
    return seen.keys.get(row.key)


def _write(chunk: list[ImportRow], targets: list[_Target], seen: _Seen) -> list[int]:
    """Store one chunk: new leads in bulk, then every row's contacts; the rows' lead pks."""
    new = {row.key: row.lead for row, t in zip(chunk, targets, strict=True) if t.creates}
    if new:
        leads = list(new.values())
        for lead in leads:  # on one list, the import's: nothing else to read, no query
            lead_score_rules(lead=lead, save=False)
        append_to_stage(leads)
        upsert(leads)
        stored = Lead.objects.filter(normalized_address__in={key[0] for key in new})
        for pk, *key in stored.values_list("pk", "normalized_address", "normalized_owner"):
            if tuple(key) in new:
                seen.pk_of[(key[0], key[1])] = pk
    pks = [t.lead if isinstance(t.lead, int) else seen.pk_of[t.lead] for t in targets]
    _add_contacts(chunk, pks)
    _add_notes(list(zip(chunk, pks, strict=True)))
    return pks


def _add_contacts(chunk: list[ImportRow], pks: list[int]) -> None:
    """The row's phones and e-mails join its lead's; one the lead already has is skipped. The
    internal do-not-call list reaches the new numbers in the same transaction."""
    insert_new(
        Phone,
        ["lead", "number", "line_type", "carrier", "source", "rank", "do_not_call", "wrong_number"],
        (
            (pk, number, "", "", PHONE_SOURCE, rank, False, False)
            for row, pk in zip(chunk, pks, strict=True)
            for rank, number in enumerate(row.phones)
        ),
    )
    insert_new(
        Email,
        ["lead", "email", "rank"],
        (
            (pk, address, rank)
            for row, pk in zip(chunk, pks, strict=True)
            for rank, address in enumerate(row.emails)
        ),
    )
    if any(row.phones for row in chunk):
        with_phones = {pk for row, pk in zip(chunk, pks, strict=True) if row.phones}
        apply_do_not_call_list(list(Lead.objects.filter(pk__in=with_phones)))


def _add_notes(rows: list[tuple[ImportRow, int]]) -> None:
    """A row's notes become a note on its lead's timeline, once: a note already there (the
    same file's rows, an earlier import) is not written again."""
    wanted = [(row, pk) for row, pk in rows if row.notes]
    if not wanted:
        return
    there = set(
        Activity.objects.filter(
            lead_id__in={pk for _, pk in wanted}, kind=ActivityKind.NOTE
        ).values_list("lead_id", "text")
    )
    new = {(pk, NOTE_PREFIX + row.notes) for row, pk in wanted} - there
    now = timezone.now()
    activities_insert((pk, ActivityKind.NOTE, None, text, 0, {}, now) for pk, text in sorted(new))


def _finish(
    result: ImportResult, facts: csv_files.FileFacts, made: list[int], list_name: str,
    user_id: int | None, file_name: str,
) -> None:  # fmt: skip
    lead_list = list_create(name=list_name, user_id=user_id, kind=ListKind.IMPORT)
    add_found_leads(lead_list=lead_list, lead_ids=result.lead_ids, mark_new=False)
    result.record = ListImport.objects.create(
        lead_list=lead_list, file_sha256=facts.sha256, file_name=file_name[:255],
        encoding=facts.encoding, delimiter=result.separator, mapping=result.mapping,
        rows=result.rows, created=result.created, merged=result.merged,
        rejected_count=len(result.rejected), header=result.header, created_by_id=user_id,
        rejected=[{"row": r.line, "reason": r.reason, "cells": r.cells} for r in result.rejected],
    )  # fmt: skip
    source = f"Imported from {file_name or 'a CSV file'} into the list {list_name}"
    leads_activity_record(lead_ids=made, kind=ActivityKind.CREATED, user_id=user_id, text=source)
    again = sorted(set(result.lead_ids) - set(made))
    leads_activity_record(
        lead_ids=again, kind=ActivityKind.FOUND_AGAIN, user_id=user_id, text=source
    )
    enqueue_ai_scoring(made)


def _repeat(earlier: ListImport) -> ImportResult:
    return ImportResult(
        rows=earlier.rows, mapping=earlier.mapping, header=earlier.header,
        encoding=earlier.encoding, separator=earlier.delimiter or ",", duplicate_of=earlier,
    )  # fmt: skip
