"""Large CSV files import in the background, like bulk skip traces.

A file over IMPORT_INLINE_MAX_BYTES is not imported inside the request: its commit stores the
file (the default storage, so a worker on another host reads it too), records the import as
queued, and queues `run_list_import`. The task imports chunk by chunk, each chunk committed
with the record's counts, so the page and `GET /api/imports/<id>` show how far it got, and a
failure keeps what was imported, says where it stopped, and does not count as an import of
the file (the same file can be imported again; its imported rows then merge).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.tasks import TaskContext, task
from django.utils import timezone

from leadflow.worker import PRIORITY_USER_STARTED
from leads.lists import csv_files
from leads.lists.csv_files import ImportFileError
from leads.lists.import_storage import file_delete, file_open, file_store
from leads.lists.imports import (
    ImportResult,
    ImportTarget,
    earlier_import,
    import_fields,
    import_into,
    repeat_of,
)
from leads.lists.models import ImportStatus, ListImport, ListKind
from leads.lists.services import list_create

logger = logging.getLogger("leadflow.imports")


def import_enqueue(
    stream: BinaryIO,
    *,
    list_name: str,
    user_id: int | None,
    file_name: str = "",
    mapping: Mapping[str, object] | None = None,
) -> ImportResult:
    """Queue the import of a large file. What can be refused at once is (not a CSV, a bad
    mapping); a file imported before, or under way, is a repeat (`duplicate_of`)."""
    facts = csv_files.file_facts(stream)
    earlier = earlier_import(facts.sha256)
    if earlier is not None:
        return repeat_of(earlier)
    header, separator, _ = csv_files.csv_rows(csv_files.text_of(stream, facts.encoding))
    chosen = csv_files.column_mapping(header, mapping)
    result = ImportResult(mapping=chosen, header=header, encoding=facts.encoding)
    result.separator, result.file_sha256 = separator, facts.sha256
    try:
        with transaction.atomic():
            lead_list = list_create(name=list_name, user_id=user_id, kind=ListKind.IMPORT)
            record = ListImport.objects.create(
                lead_list=lead_list, created_by_id=user_id, file_name=file_name[:255],
                status=ImportStatus.QUEUED, total_rows=max(facts.lines - 1, 1),
                **import_fields(result),
            )  # fmt: skip
            record.upload.name = file_store(stream, f"imports/{facts.sha256}.csv")
            record.save(update_fields=["upload"])
            transaction.on_commit(lambda: run_list_import.enqueue(record.pk))
    except IntegrityError:  # the same file, queued meanwhile by another request
        earlier = earlier_import(facts.sha256)
        if earlier is None:
            raise
        return repeat_of(earlier)
    result.record = record
    return result


@task(priority=PRIORITY_USER_STARTED, takes_context=True)
def run_list_import(context: TaskContext, import_id: int) -> None:
    record = ListImport.objects.get(pk=import_id)
    if record.status == ImportStatus.RUNNING:
        # Its worker died mid-run: what it committed stays; running it again would count twice.
        _fail(record, "The worker running this import stopped.")
        return
    if record.status == ImportStatus.QUEUED:
        list_import_run(record)


def list_import_run(record: ListImport) -> ListImport:
    """Run a queued import to its end: done, or failed with the reason (never left running)."""
    claimed = ListImport.objects.filter(pk=record.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:  # another worker has it
        record.refresh_from_db()
        return record
    target = ImportTarget(
        record.lead_list, record.created_by_id, record.file_name,
        progress=lambda result, line: _progress(record, result, line),
    )  # fmt: skip
    try:
        with file_open(record.upload.name) as stream:
            result = import_into(stream, record.mapping, target, chunked=True)
    except ImportFileError as exc:
        return _fail(record, exc.message)
    except Exception as exc:
        logger.exception("import %s failed", record.pk)
        _fail(record, f"Stopped by an unexpected error ({type(exc).__name__}).")
        raise
    _finish(record, status=ImportStatus.DONE, **import_fields(result))
    return record


def _progress(record: ListImport, result: ImportResult, line: int) -> None:
    """The counts of what is committed, in the chunk's own transaction."""
    fields = {**import_fields(result), "last_line": line, "heartbeat_at": timezone.now()}
    ListImport.objects.filter(pk=record.pk).update(**fields)


def _fail(record: ListImport, reason: str) -> ListImport:
    record.refresh_from_db()
    kept = (
        f"rows up to line {record.last_line} are imported ({record.created} new leads, "
        f"{record.merged} merged)"
        if record.last_line
        else "nothing was imported"
    )
    message = f"{reason} Stopped: {kept}. Import the file again to finish it."
    _finish(record, status=ImportStatus.FAILED, message=message[:300])
    return record


def _finish(record: ListImport, **fields: object) -> None:
    """The import's end: its file is no longer needed (a failed file is uploaded again)."""
    file_delete(record.upload.name)
    fields.update(upload="", finished_at=timezone.now(), heartbeat_at=timezone.now())
    ListImport.objects.filter(pk=record.pk).update(**fields)
    record.refresh_from_db()
