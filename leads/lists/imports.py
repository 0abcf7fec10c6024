"""Importing an investor's CSV list: preview, commit, and the repeat check.

Rows stream in chunks of plain values (no model instances). Each chunk is matched against
stored leads by ATTOM's dedup key with one query (address + owner; a row without an owner
joins the one lead at its address when there is exactly one), then — on commit — its new
leads are inserted with one statement, merged leads gain the row's contacts and notes, and
every lead joins the import's list (an existing lead on another list is stacked). The same
file (by SHA-256) imported again changes nothing and names the first; a failed import does
not count. A large file imports the same way in the background (`import_jobs`), each chunk
committed on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import batched
from typing import BinaryIO, NamedTuple, cast

from django.db import IntegrityError, transaction
from django.utils import timezone

from leads.activity.services import activities_insert, leads_activity_record
from leads.bulk_insert import LeadValues, insert_new, lead_keys_at, leads_upsert
from leads.lists import csv_files
from leads.lists.import_rows import ROW_FIELDS, ImportRow, Rejection, import_row
from leads.lists.models import ImportStatus, LeadList, ListImport, ListKind
from leads.lists.services import add_found_leads, list_create
from leads.models import Activity, ActivityKind, Email, Lead, Phone
from leads.pipeline.services import append_to_stage
from leads.scoring.services import RULES_SCORE_FIELDS, enqueue_ai_scoring, lead_score_rules
from leads.skiptrace.compliance import apply_do_not_call_list

CHUNK_ROWS = 2_000
PHONE_SOURCE = "import"
SAMPLE_ROWS = 10
Key = tuple[str, str]

NOTE_PREFIX = "From the import: "
# What an import writes of a new lead: what its row fills, the rules score it is given and
# its place on the board (a new row takes the model's defaults for the rest).
LEAD_FIELDS = [
    *ROW_FIELDS,
    *(name for name in RULES_SCORE_FIELDS if name != "updated_at"),
    "position",
]


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
    file_sha256: str = ""
    sample: list[tuple[ImportRow, str]] = field(default_factory=list)  # (row, "create"/"merge")
    record: ListImport | None = None  # the committed import
    duplicate_of: ListImport | None = None  # an earlier import of the same file
    total_rows: int = 0  # about how many data rows the file holds (its line count)
    partial: bool = False  # a preview that read only the first rows: its counts are theirs

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
    """What earlier rows matched or made, so later rows merge into it. A lead this import
    makes is known by its key until it is written, then by its pk. A commit forgets it chunk
    by chunk (what it wrote, the next chunk's look-up finds), so memory stays flat."""

    keys: dict[Key, int | Key] = field(default_factory=dict)
    # The one lead at an address, or None where there are several (a set each would cost
    # ~200 bytes an address over a whole file's preview).
    at_address: dict[str, int | Key | None] = field(default_factory=dict)
    pk_of: dict[Key, int] = field(default_factory=dict)  # leads this chunk wrote

    def add(self, key: Key, target: int | Key) -> None:
        self.keys[key] = target
        address = key[0]
        one = address not in self.at_address or self.at_address[address] == target
        self.at_address[address] = target if one else None


Progress = Callable[[ImportResult, int], None]  # (so far, last line read)


@dataclass
class ImportTarget:
    """Where a commit writes, and whom it tells how far it got."""

    lead_list: LeadList
    user_id: int | None
    file_name: str
    progress: Progress | None = None
    result: ImportResult | None = None  # how far it got
    made: list[int] = field(default_factory=list)  # leads this import created
    touched: set[int] = field(default_factory=set)  # every lead a row went to

    @property
    def source_text(self) -> str:
        return f"Imported from {self.file_name or 'a CSV file'} into the list {self.lead_list.name}"


def import_preview(
    stream: BinaryIO,
    *,
    mapping: Mapping[str, object] | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """What a commit would do, writing nothing. With a `limit`, only the first `limit` data
    rows are read (a large file's preview fits in a request): the result is `partial` when
    the file holds more, and its counts are those of the rows read. `progress` hears of each
    chunk counted (a background count of a large file)."""
    return _run(stream, mapping, target=None, limit=limit, progress=progress)


def import_commit(
    stream: BinaryIO,
    *,
    list_name: str,
    user_id: int | None,
    file_name: str = "",
    mapping: Mapping[str, object] | None = None,
) -> ImportResult:
    """Import a file in one transaction: all of it, or (on an error) none of it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                earlier = earlier_import(csv_files.file_facts(stream).sha256)
                if earlier is not None:
                    return repeat_of(earlier)
                lead_list = list_create(name=list_name, user_id=user_id, kind=ListKind.IMPORT)
                target = ImportTarget(lead_list, user_id, file_name)
                result = import_into(stream, mapping, target, chunked=False)
                result.record = import_record(result, target)
                return result
        except IntegrityError:  # the same file, committed meanwhile by another request
            earlier = earlier_import(csv_files.file_facts(stream).sha256)
            if earlier is None:
                raise
            return repeat_of(earlier)


def earlier_import(sha256: str) -> ListImport | None:
    """The import of this file that counts: done or under way (a failed one does not)."""
    imports = ListImport.objects.filter(file_sha256=sha256)
    return imports.exclude(status=ImportStatus.FAILED).first()


def import_into(
    stream: BinaryIO,
    explicit: Mapping[str, object] | None,
    target: ImportTarget,
    *,
    chunked: bool,
) -> ImportResult:
    """Write a file's rows into the target's list. `chunked`: each chunk commits on its own
    (a failure keeps what went before); else the caller's transaction holds all of it."""
    return _run(stream, explicit, target=target, chunked=chunked)


def _run(
    stream: BinaryIO,
    explicit: Mapping[str, object] | None,
    *,
    target: ImportTarget | None,
    chunked: bool = False,
    limit: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    facts = csv_files.file_facts(stream)
    if target is None and (earlier := earlier_import(facts.sha256)) is not None:
        return repeat_of(earlier)
    header, separator, rows = csv_files.csv_rows(csv_files.text_of(stream, facts.encoding))
    mapping = csv_files.column_mapping(header, explicit)
    result = ImportResult(mapping=mapping, header=header, encoding=facts.encoding)
    result.separator, result.file_sha256 = separator, facts.sha256
    result.total_rows = max(facts.lines - 1, 1)
    if target is not None:
        target.result = result
    seen = _Seen()
    parsed = _parsed(rows, header, mapping, result, limit=limit)
    for batch in batched(parsed, CHUNK_ROWS):
        if target is None:
            _match(list(batch), seen, result)
            if progress is not None:
                progress(result, batch[-1].line)
            continue
        with transaction.atomic() if chunked else nullcontext():
            _commit_chunk(list(batch), result, target)
    if target is not None:
        enqueue_ai_scoring(target.made)
    return result


def _commit_chunk(chunk: list[ImportRow], result: ImportResult, target: ImportTarget) -> None:
    seen = _Seen()
    targets = _match(chunk, seen, result)
    pks = _write(chunk, targets, seen)
    made = list(seen.pk_of.values())
    again = sorted(set(pks) - set(made) - target.touched)
    target.made += made
    target.touched.update(pks)
    add_found_leads(lead_list=target.lead_list, lead_ids=pks, mark_new=False, created=made)
    user_id, text = target.user_id, target.source_text
    leads_activity_record(lead_ids=made, kind=ActivityKind.CREATED, user_id=user_id, text=text)
    leads_activity_record(lead_ids=again, kind=ActivityKind.FOUND_AGAIN, user_id=user_id, text=text)
    if target.progress is not None:
        target.progress(result, chunk[-1].line)


def _parsed(
    rows: Iterator[tuple[int, list[str]]],
    header: list[str],
    mapping: dict[str, str],
    result: ImportResult,
    *,
    limit: int | None = None,
) -> Iterator[ImportRow]:
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is no data row
        if limit is not None and result.rows >= limit:
            result.partial = True  # a data row past the limit: the file holds more
            return
        result.rows += 1
        row = import_row(line, header, mapping, cells)
        if isinstance(row, Rejection):
            result.rejected.append(row)
        else:
            yield row


class _Target(NamedTuple):
    lead: int | Key  # a stored lead's pk, or the key of a lead this import makes
    creates: bool  # this row makes that lead (the first row of the file with its key)


def _match(chunk: list[ImportRow], seen: _Seen, result: ImportResult) -> list[_Target]:
    """Each row's lead. A row repeating an earlier row of the file merges into its lead."""
    addresses = {row.lead["normalized_address"] for row in chunk}
    addresses = {address for address in addresses if address not in seen.at_address}
    for pk, address, owner in lead_keys_at(addresses):
        seen.add((address, owner), pk)
    targets = []
    for row in chunk:
        key = row.key
        found = _found(key, seen)
        target = _Target(key, creates=True) if found is None else _Target(found, False)
        if target.creates:
            seen.add(key, key)
        result.created += target.creates
        result.merged += not target.creates
        if len(result.sample) < SAMPLE_ROWS:
            result.sample.append((row, "create" if target.creates else "merge"))
        targets.append(target)
    return targets


def _found(key: Key, seen: _Seen) -> int | Key | None:
    address, owner = key
    if not owner:  # a row without an owner: the one lead at its address
        there = seen.at_address.get(address)
        if there is not None:
            return there
    return seen.keys.get(key)


def _write(chunk: list[ImportRow], targets: list[_Target], seen: _Seen) -> list[int]:
    """Store one chunk: new leads in bulk, then every row's contacts; the rows' lead pks."""
    new = [row.lead for row, t in zip(chunk, targets, strict=True) if t.creates]
    if new:
        today = timezone.localdate()
        for lead in new:  # on one list, the import's: nothing else to read, no query
            lead_score_rules(lead=cast(Lead, lead), save=False, today=today)
        append_to_stage(cast(list[Lead], new))
        # A lead written meanwhile under the same key (a search) keeps its data.
        seen.pk_of.update(leads_upsert(new, update=[], fields=LEAD_FIELDS))
    pks = [t.lead if isinstance(t.lead, int) else seen.pk_of[t.lead] for t in targets]
    _add_contacts(chunk, pks)
    _add_notes(list(zip(chunk, pks, strict=True)), made=set(seen.pk_of.values()))
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
        keys = Lead.objects.filter(pk__in=with_phones).values_list(
            "pk", "normalized_owner", "normalized_mailing"
        )
        owners = [
            LeadValues(id=pk, normalized_owner=owner, normalized_mailing=mailing)
            for pk, owner, mailing in keys
        ]  # what the do-not-call list reads of a lead, without loading whole leads
        apply_do_not_call_list(cast(list[Lead], owners))


def _add_notes(rows: list[tuple[ImportRow, int]], *, made: set[int]) -> None:
    """A row's notes become a note on its lead's timeline, once: a note already there (the
    same file's rows, an earlier import) is not written again. A lead this chunk `made` has
    no timeline yet to look in."""
    wanted = [(row, pk) for row, pk in rows if row.notes]
    if not wanted:
        return
    stored = {pk for _, pk in wanted} - made
    there = (
        set(
            Activity.objects.filter(lead_id__in=stored, kind=ActivityKind.NOTE).values_list(
                "lead_id", "text"
            )
        )
        if stored
        else set()
    )
    new = {(pk, NOTE_PREFIX + row.notes) for row, pk in wanted} - there
    now = timezone.now()
    activities_insert((pk, ActivityKind.NOTE, None, text, 0, {}, now) for pk, text in sorted(new))


def import_record(result: ImportResult, target: ImportTarget, **fields: object) -> ListImport:
    """The committed import, as it answers and as its rejected rows download."""
    return ListImport.objects.create(
        lead_list=target.lead_list, created_by_id=target.user_id, **import_fields(result),
        file_name=target.file_name[:255], **fields,
    )  # fmt: skip


def import_fields(result: ImportResult) -> dict[str, object]:
    """What an import's record says of its file and its rows so far."""
    rejected = [{"row": r.line, "reason": r.reason, "cells": r.cells} for r in result.rejected]
    return {
        "file_sha256": result.file_sha256, "encoding": result.encoding,
        "delimiter": result.separator, "mapping": result.mapping, "header": result.header,
        "rows": result.rows, "created": result.created, "merged": result.merged,
        "rejected_count": len(rejected), "rejected": rejected,
    }  # fmt: skip


def repeat_of(earlier: ListImport) -> ImportResult:
    return ImportResult(
        rows=earlier.rows, mapping=earlier.mapping, header=earlier.header,
        encoding=earlier.encoding, separator=earlier.delimiter or ",", duplicate_of=earlier,
    )  # fmt: skip
