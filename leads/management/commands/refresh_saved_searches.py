"""Refresh every saved search marked for daily refresh (for cron), within each list's record
limit and the day's caps; at the ATTOM cap it stops and names the lists left."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from billing.guard import CapExceeded
from billing.money import format_dollars
from leadflow.text import counted
from leads.errors import SERVICE_ERRORS, error_answer
from leads.lists.refresh import lists_to_refresh_daily, saved_search_refresh


class Command(BaseCommand):
    help = "Refresh the saved searches marked for daily refresh (run it from cron)."

    def handle(self, *args, **options) -> None:
        pending = lists_to_refresh_daily()
        for done, lead_list in enumerate(pending):
            try:
                result = saved_search_refresh(lead_list=lead_list)
            except CapExceeded as exc:
                self._stop(error_answer(exc).message, [item.name for item in pending[done:]])
                return
            except SERVICE_ERRORS as exc:
                self.stderr.write(f"{lead_list.name}: {error_answer(exc).message}")
                continue
            self.stdout.write(
                f"{lead_list.name}: {result.fetched} fetched, {result.new} new, "
                f"{result.already_on} already on, {result.removed_skipped} removed skipped, "
                f"cost {format_dollars(result.cost_micros)}"
            )
            if result.stopped_at_cap:
                self._stop(result.note, [item.name for item in pending[done + 1 :]])
                return
        self.stdout.write(f"Refreshed {counted(len(pending), 'saved search', 'saved searches')}.")

    def _stop(self, reason: str, left: list[str]) -> None:
        self.stdout.write(
            f"Stopped at the cap: {reason} {counted(len(left), 'list')} left: "
            f"{', '.join(left) or 'none'}."
        )
