"""The whole-file counts of a large file's preview, counted in the background.

A large file's preview in the request reads its first rows only (`import_staging`); then
`counts_start` queues `count_staged_upload`, which reads the whole staged file as a preview
does (writing no lead, no list, no import), and keeps its counts so far in the shared cache,
where the page's counts region (polled by htmx) reads them. Previewing again with another
mapping starts a new count; the old one sees it is superseded and stops."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from leadflow.worker import PRIORITY_USER_STARTED
from leads.lists.csv_files import ImportFileError
from leads.lists.import_staging import STAGED_FOR, staged_open
from leads.lists.imports import ImportResult, import_preview
from leads.lists.models import ImportStatus, StagedUpload

REJECTIONS_KEPT = 50  # the page shows these; the import's download has every one


@dataclass
class PreviewCounts:
    """How far the count of a staged file got; a background job, as `waiting_for_worker`
    reads one."""

    run: str
    status: str = ImportStatus.QUEUED
    rows: int = 0
    total_rows: int = 0  # about: the file's line count
    created: int = 0
    merged: int = 0
    rejected_count: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # the first few
    message: str = ""  # why it stopped
    created_at: dt.datetime = field(default_factory=timezone.now)
    heartbeat_at: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.FAILED}

    @property
    def rejected_more(self) -> int:
        return self.rejected_count - len(self.rejected)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, self.rows * 100 // self.total_rows) if self.total_rows else 0


class _Superseded(Exception):
    """A newer count of the same staged file started: this one stops."""


def _key(staged_id: int) -> str:
    return f"lists:import-counts:{staged_id}"


def counts_of(staged_id: int) -> PreviewCounts | None:
    stored = cache.get(_key(staged_id))
    return PreviewCounts(**stored) if stored else None


def counts_forget(staged_id: int) -> None:
    """The staged file is committed or gone: a count still running stops at its next chunk."""
    cache.delete(_key(staged_id))


def _keep(staged_id: int, counts: PreviewCounts) -> None:
    cache.set(_key(staged_id), asdict(counts), int(STAGED_FOR.total_seconds()))


def counts_start(
    staged: StagedUpload, *, total_rows: int, mapping: dict[str, str] | None
) -> PreviewCounts:
    """Queue the count of the whole staged file (after the request's transaction commits)."""
    counts = PreviewCounts(run=uuid.uuid4().hex, total_rows=total_rows)
    _keep(staged.pk, counts)
    args = (staged.pk, counts.run, mapping or {})
    transaction.on_commit(lambda: count_staged_upload.enqueue(*args))
    return counts


@task(priority=PRIORITY_USER_STARTED)
def count_staged_upload(staged_id: int, run: str, mapping: dict[str, str]) -> None:
    staged = StagedUpload.objects.filter(pk=staged_id).first()
    counts = counts_of(staged_id)
    if staged is None or counts is None or counts.run != run:
        return  # committed or expired meanwhile, or a newer count has it
    staged_count(staged, counts, mapping or None)


def staged_count(
    staged: StagedUpload, counts: PreviewCounts, mapping: dict[str, str] | None
) -> PreviewCounts:
    """Count the whole file as a preview, keeping the counts after each chunk."""

    def progress(result: ImportResult, line: int) -> None:
        latest = counts_of(staged.pk)
        if latest is None or latest.run != counts.run:
            raise _Superseded
        _update(staged, counts, result, ImportStatus.RUNNING)

    try:
        with staged_open(staged) as stream:
            result = import_preview(stream, mapping=mapping, progress=progress)
    except _Superseded:
        return counts
    except ImportFileError as exc:
        counts.status, counts.message = ImportStatus.FAILED, exc.message
        counts.heartbeat_at = timezone.now()
        _keep(staged.pk, counts)
        return counts
    _update(staged, counts, result, ImportStatus.DONE)
    return counts


def _update(staged: StagedUpload, counts: PreviewCounts, result: ImportResult, status: str) -> None:
    counts.status, counts.heartbeat_at = status, timezone.now()
    counts.rows, counts.created, counts.merged = result.rows, result.created, result.merged
    counts.rejected_count = len(result.rejected)
    counts.rejected = [
        {"row": r.line, "reason": r.reason} for r in result.rejected[:REJECTIONS_KEPT]
    ]
    _keep(staged.pk, counts)
