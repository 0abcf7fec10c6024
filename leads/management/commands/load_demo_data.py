from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from billing.backdating import last_ledger_id, spend_move_to_day
from billing.caps import spend_day
from billing.guard import CapExceeded
from leadflow.text import counted
from leads.models import Lead
from leads.search.forms import SearchForm
from leads.search.services import lead_search
from leads.skiptrace.services import lead_skip_trace
from providers.modes import SANDBOX, provider_mode
from providers.registry import ATTOM

DEMO_SEARCHES = [
    {"zip": "85034", "pageSize": "25"},
    {"zip": "85008", "absentee": "true", "pageSize": "25"},
    {"city": "Tempe", "state": "AZ", "pageSize": "25"},
]
DEMO_TRACES = 8


class Command(BaseCommand):
    help = (
        "Fill an empty database with sandbox leads (searches, a few skip traces), bought the "
        "normal way so the search cache is warm, and counted against yesterday's budget: a "
        "new user starts with today's caps untouched. With leads present, only warms the cache."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Load even if leads exist.")

    def handle(self, *args, force: bool, **options) -> None:
        if provider_mode(ATTOM) != SANDBOX:
            raise CommandError("Demo data comes from the sandbox: set SANDBOX_PROVIDERS=true.")
        started = last_ledger_id()
        present = Lead.objects.exists() and not force
        for params in DEMO_SEARCHES:
            self._search(params)
        if present:
            self.stdout.write("Demo data: leads already present; the demo searches are cached.")
        else:
            self._trace()
        yesterday = spend_day() - dt.timedelta(days=1)
        moved = spend_move_to_day(after_id=started, day=yesterday)
        self.stdout.write(
            f"Demo spend: {counted(moved, 'ledger row')} counted on {yesterday:%b %d}, none today."
        )

    def _search(self, params: dict) -> None:
        form = SearchForm(params)
        if not form.is_valid():
            raise CommandError(f"demo search {params} is invalid: {form.errors.as_text()}")
        outcome = lead_search(query=form.search_query())
        self.stdout.write(
            f"Demo search {form.cleaned_data['area'].describe()}: "
            f"{len(outcome.leads)} leads of {outcome.total}"
            + (" (from the cache)." if outcome.cached else ".")
        )

    def _trace(self) -> None:
        leads = Lead.objects.filter(absentee=True, skip_traced_at__isnull=True)[:DEMO_TRACES]
        traced = 0
        for lead in leads:
            try:
                lead_skip_trace(lead=lead)
            except CapExceeded:
                break
            traced += 1
        self.stdout.write(f"Demo skip traces: {traced}.")
