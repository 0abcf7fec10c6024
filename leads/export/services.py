"""An export, planned, recorded and streamed: the one path of the page, the API and the
dialer presets.

The plan counts what the file will hold (and what scrub leaves out) before a byte is sent,
so the response can say it in headers and the page can show it before the download. Every
export is recorded, and each lead it holds gets an `exported` event, which is what the
`notExportedSince` filter reads.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leads.activity.services import leads_activity_record
from leads.export.models import ExportRecord
from leads.export.presets import LEAD_PER_ROW, PRESETS, DialerPreset
from leads.export.scrub import KEPT, ScrubSummary, judged_phones, leads_in_export, scrub_summary
from leads.export.writer import CHUNK_SIZE, EXPORT_COLUMNS, csv_text, export_lines
from leads.models import ActivityKind, Lead
from leads.selectors import LeadFilters, leads_filtered

ZIP_FLUSH_BYTES = 256 * 1024


@dataclass(frozen=True)
class ExportPlan:
    leads: QuerySet[Lead]  # the leads the file holds
    preset: DialerPreset | None  # None: the full lead export
    scrub: bool
    summary: ScrubSummary
    rows: int
    lead_count: int
    rows_per_file: int | None  # None: one file however long

    @property
    def files(self) -> int:
        if not self.rows_per_file or self.rows <= self.rows_per_file:
            return 1
        return math.ceil(self.rows / self.rows_per_file)

    @property
    def zipped(self) -> bool:
        return self.files > 1

    @property
    def name(self) -> str:
        return self.preset.name if self.preset else "leads"

    @property
    def headings(self) -> list[str]:
        return self.preset.headings if self.preset else list(EXPORT_COLUMNS)


def export_plan(
    *, filters: LeadFilters, preset_name: str = "", scrub: bool, rows_per_file: int | None = None
) -> ExportPlan:
    """What an export of the leads these filters keep would hold (a few counting queries)."""
    now = timezone.now()
    preset = PRESETS[preset_name] if preset_name else None
    matching = leads_filtered(filters)
    summary = scrub_summary(matching, now=now) if scrub else ScrubSummary()
    leads = leads_in_export(matching, scrub=scrub, needs_phone=preset is not None, now=now)
    lead_count = leads.count()
    if preset is None or preset.layout == LEAD_PER_ROW:
        rows = lead_count
    else:
        phones = judged_phones(now).filter(lead_id__in=leads.order_by().values("pk"))
        rows = (phones.filter(scrub_reason=KEPT) if scrub else phones).count()
    limit = rows_per_file
    if preset is not None:
        limit = min(rows_per_file or preset.row_limit, preset.row_limit)
    return ExportPlan(leads, preset, scrub, summary, rows, lead_count, limit)


def export_record(
    plan: ExportPlan, *, user_id: int | None, filters: dict[str, Any]
) -> ExportRecord:
    """Who exported what, when: one record, and an `exported` event on each lead it holds."""
    summary = plan.summary
    with transaction.atomic():
        record = ExportRecord.objects.create(
            user_id=user_id, preset=plan.preset.name if plan.preset else "", filters=filters,
            scrub=plan.scrub, rows=plan.rows, leads=plan.lead_count, files=plan.files,
            scrubbed_numbers=summary.numbers, scrubbed_leads=summary.leads,
            scrubbed_by_reason=summary.by_reason,
        )  # fmt: skip
        label = plan.preset.label if plan.preset else "full lead export"
        leads_activity_record(
            lead_ids=plan.leads.order_by().values_list("pk", flat=True).iterator(CHUNK_SIZE),
            kind=ActivityKind.EXPORTED,
            user_id=user_id,
            text=f"Exported ({label}{', scrubbed' if plan.scrub else ''}), export {record.pk}",
            data={"preset": record.preset, "exportId": record.pk},
        )
    return record


def export_stream(plan: ExportPlan, *, bom: bool) -> Iterator[str | bytes]:
    """The CSV text, or, past the row limit, a zip of CSV files of at most that many rows."""
    lines = export_lines(plan.leads, scrub=plan.scrub, preset=plan.preset)
    if not plan.zipped:
        yield from csv_text(lines, header=plan.headings, bom=bom)
        return
    yield from _zip_of_parts(plan, lines, bom=bom)


def part_name(stem: str, number: int) -> str:
    return f"{stem}-part-{number:02d}.csv"


def _zip_of_parts(plan: ExportPlan, lines: Iterator[str], *, bom: bool) -> Iterator[bytes]:
    sink = _Sink()
    stem = export_filename(plan).removesuffix(".zip")
    assert plan.rows_per_file
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        number = 0
        while True:
            part = list(islice(lines, plan.rows_per_file))
            if not part and number:
                break
            number += 1
            with archive.open(part_name(stem, number), "w") as entry:
                for text in csv_text(part, header=plan.headings, bom=bom):
                    entry.write(text.encode("utf-8"))
                    if sink.size >= ZIP_FLUSH_BYTES:
                        yield sink.take()
            yield sink.take()
    yield sink.take()


class _Sink:
    """A write-only file for zipfile: it streams (data descriptors) and we hand the bytes on."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks, self.size = b"".join(self.chunks), [], 0
        return data


def export_filename(plan: ExportPlan) -> str:
    stem = f"leadflow-{plan.name}-{timezone.localdate().isoformat()}"
    return f"{stem}.zip" if plan.zipped else f"{stem}.csv"
