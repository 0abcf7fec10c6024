from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from billing.guard import CapExceeded, cap_micros
from billing.models import DailyCap, LedgerEntry
from billing.money import cents_to_micros, format_dollars, format_exact_dollars
from billing.reconcile import reconcile
from billing.selectors import provider_spend_today
from leadflow.text import counted
from leads.search.forms import SearchForm
from leads.search.query import SearchQuery
from leads.search.services import lead_search
from leads.skiptrace.services import lead_skip_trace
from providers.http import ProviderError
from providers.modes import OFF, provider_mode
from providers.registry import ATTOM, BATCH, TWILIO, VENDORS

# The paid calls a rehearsal makes: a search, skip traces and their line-type checks.
PROVIDERS_UNDER_TEST = (ATTOM, BATCH, TWILIO)


class Command(BaseCommand):
    help = (
        "Rehearse a rollout: a real search and a few skip traces under a temporary low cap, "
        "then what was called, what it cost, and whether the ledger reconciles."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--zip", required=True)
        parser.add_argument("--cap-cents", required=True, help="Spend at most this per provider.")
        parser.add_argument("--traces", type=int, default=5)
        parser.add_argument("--page-size", type=int, default=10)

    def handle(self, *args, zip: str, cap_cents: str, traces: int, page_size: int, **options):
        cap = self._cap(cap_cents)
        if provider_mode(ATTOM) == OFF:
            raise CommandError(VENDORS[ATTOM].off_reason)
        form = SearchForm({"zip": zip, "pageSize": str(page_size), "attom": "true"})
        if not form.is_valid():
            raise CommandError(form.errors.as_text())
        self.stdout.write(
            "Modes: " + ", ".join(f"{p}={provider_mode(p)}" for p in PROVIDERS_UNDER_TEST)
        )
        first_row = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with temporary_caps(cap):
            leads = self._search(form.search_query())
            self._trace(leads[: max(traces, 0)])
        self._report(first_row)

    def _cap(self, raw: str) -> int:
        try:
            micros = cents_to_micros(Decimal(raw))
        except (InvalidOperation, ValueError):
            raise CommandError("--cap-cents takes an amount in cents, e.g. 1000") from None
        if micros <= 0:
            raise CommandError("--cap-cents must be more than 0")
        return micros

    def _search(self, query: SearchQuery) -> list:
        try:
            outcome = lead_search(query=query)
        except (CapExceeded, ProviderError) as exc:
            self.stdout.write(f"Search stopped: {exc}")
            return []
        self.stdout.write(
            f"Search {query.area.describe()}: {len(outcome.leads)} of {outcome.total} "
            f"({outcome.source}), cost {format_dollars(outcome.cost_micros)}."
        )
        return outcome.leads

    def _trace(self, leads: list) -> None:
        if provider_mode(BATCH) == OFF:
            self.stdout.write("Skip tracing is off: no traces.")
            return
        for lead in leads:
            try:
                outcome = lead_skip_trace(lead=lead)
            except (CapExceeded, ProviderError) as exc:
                self.stdout.write(f"Trace of lead {lead.pk} stopped: {exc}")
                break
            state = "free (reused)" if outcome.reused else format_dollars(outcome.cost_micros)
            self.stdout.write(f"Trace lead {lead.pk}: {outcome.lead.skip_trace_status}, {state}.")

    def _report(self, first_row: int) -> None:
        rows = LedgerEntry.objects.filter(pk__gt=first_row).order_by("pk")
        self.stdout.write("\nCalls made:")
        for row in rows:
            self.stdout.write(
                f"  {row.provider:<7} {row.operation:<18} {row.outcome:<8} "
                f"HTTP {row.http_status or '-':<4} units {row.billable_units:<4} "
                f"{format_exact_dollars(row.cost_micros):>8} {row.latency_ms} ms"
                f"{' (sandbox)' if row.sandbox else ''}"
            )
        total = sum(row.cost_micros for row in rows)
        self.stdout.write(
            f"Total: {format_exact_dollars(total)} over {counted(rows.count(), 'ledger row')}."
        )
        problems = [check for check in reconcile() if not check.ok]
        if problems:
            raise CommandError(
                f"The ledger does NOT reconcile: {counted(len(problems), 'counter')} differ."
            )
        self.stdout.write(
            self.style.SUCCESS("The ledger reconciles: every counter equals its rows.")
        )


@contextmanager
def temporary_caps(extra_micros: int):
    """Each provider may spend at most `extra_micros` more today (never above its real cap)."""
    saved = {cap.provider: cap.cap_micros for cap in DailyCap.objects.all()}
    try:
        for provider in PROVIDERS_UNDER_TEST:
            spend = provider_spend_today(provider)
            limit = min(cap_micros(provider), spend.committed_micros + extra_micros)
            DailyCap.objects.update_or_create(provider=provider, defaults={"cap_micros": limit})
        yield
    finally:
        for provider in PROVIDERS_UNDER_TEST:
            if provider in saved:
                DailyCap.objects.filter(provider=provider).update(cap_micros=saved[provider])
            else:
                DailyCap.objects.filter(provider=provider).delete()
