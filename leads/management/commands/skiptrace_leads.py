from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from billing.money import cents_to_micros, format_dollars
from leadflow.text import counted
from leads.management.lead_options import leads_from_options
from leads.models import BulkTraceJob
from leads.skiptrace.bulk import bulk_preview, bulk_trace_run
from providers.modes import OFF, provider_mode
from providers.registry import BATCH


class Command(BaseCommand):
    help = "Skip trace leads in bulk (batches of up to 100), stopping cleanly at the cap."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--zip", default="")
        parser.add_argument("--stage", default="")
        parser.add_argument("--temperature", default="")
        parser.add_argument("--source", default="")
        parser.add_argument("--assignee", default="", help="A username, or none.")
        parser.add_argument("--ids", default="", help="Comma-separated lead ids.")
        parser.add_argument("--untraced", action="store_true", help="Only never-traced leads.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many leads.")
        parser.add_argument("--max-cost-cents", default=None, help="Spend at most this much.")
        parser.add_argument("--dry-run", action="store_true", help="Show the preview only.")

    def handle(self, *args, **options) -> None:
        if provider_mode(BATCH) == OFF:
            raise CommandError("Skip tracing is off: set BATCHDATA_API_KEY or SANDBOX_PROVIDERS.")
        ids = self._lead_ids(options)
        preview = bulk_preview(ids)
        self.stdout.write(
            f"{counted(preview.count, 'lead')}: {preview.free} already traced (free), "
            f"{preview.to_trace} to trace, "
            f"at most {format_dollars(preview.max_cost_micros, up=True)}; "
            f"today's budget left {format_dollars(preview.remaining_micros)}."
        )
        if options["dry_run"] or not ids:
            return
        job = BulkTraceJob.objects.create(
            lead_ids=ids, total=len(ids), max_cost_micros=self._max_cost(options)
        )
        bulk_trace_run(job, progress=self._progress)
        sys.stderr.write("\n")
        self.stdout.write(
            f"{job.get_status_display()}: {job.matched} matched, {job.no_match} no match, "
            f"{counted(job.errors, 'error')}, {job.reused} free, "
            f"{counted(job.requests, 'request')}, "
            f"cost {format_dollars(job.cost_micros)}."
        )
        if job.message:
            self.stdout.write(job.message)
        if job.status == BulkTraceJob.Status.FAILED:
            raise CommandError(job.message)

    def _lead_ids(self, options: dict) -> list[int]:
        leads = leads_from_options(options, ("zip", "stage", "temperature", "source", "assignee"))
        if options["untraced"]:
            leads = leads.filter(skip_traced_at__isnull=True)
        ids = list(leads.values_list("pk", flat=True))
        return ids[: options["limit"]] if options["limit"] else ids

    def _max_cost(self, options: dict) -> int | None:
        raw = options["max_cost_cents"]
        if raw is None:
            return None
        try:
            micros = cents_to_micros(Decimal(raw))
        except (InvalidOperation, ValueError):
            raise CommandError("--max-cost-cents takes an amount in cents, e.g. 150") from None
        if micros < 0:
            raise CommandError("--max-cost-cents cannot be negative")
        return micros

    def _progress(self, job: BulkTraceJob) -> None:
        width = 30
        done = int(width * job.percent / 100)
        sys.stderr.write(
            f"\r[{'#' * done}{'.' * (width - done)}] {job.processed}/{job.total} "
            f"cost {format_dollars(job.cost_micros)}"
        )
        sys.stderr.flush()
