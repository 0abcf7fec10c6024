from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from billing.guard import spend_day
from billing.money import format_exact_dollars
from billing.reconcile import reconcile, release_stale_reservations
from leadflow.text import counted


class Command(BaseCommand):
    help = "Prove every per-day spend counter equals the sum of its ledger rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=30, help="How many days back (30).")
        parser.add_argument(
            "--release-stale",
            action="store_true",
            help="Give back reservations still held on past days.",
        )
        parser.add_argument(
            "--fail-on-unsettled",
            action="store_true",
            help="Exit with status 3 while unknown outcomes are not settled (for cron).",
        )

    def handle(
        self, *args, days: int, release_stale: bool, fail_on_unsettled: bool, **options
    ) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1")
        if release_stale:
            self.stdout.write(
                f"Released stale reservations on {counted(release_stale_reservations(), 'day')}."
            )
        checks = reconcile(since=spend_day() - dt.timedelta(days=days - 1))
        problems = [check for check in checks if not check.ok]
        for check in checks:
            self.stdout.write(self._line(check))
        unknown = sum(check.unknown_rows for check in checks)
        if problems:
            raise CommandError(f"{counted(len(problems), 'counter')} out of step with the ledger")
        if unknown:
            held = format_exact_dollars(sum(check.unknown_micros for check in checks))
            self.stdout.write(
                f"Calls with an unknown outcome: {unknown}, counted at their maximum "
                f"({held}) until checked against the vendor's usage report."
            )
            verdict = (
                f"UNSETTLED: {counted(len(checks), 'counter')} reconcile, but "
                f"{counted(unknown, 'unknown outcome')} ({held}) not settled: run "
                "settle_unknown_outcomes with the vendor's usage export, or settle them in "
                "Django admin (Ledger entries)."
            )
            if fail_on_unsettled:
                raise CommandError(verdict, returncode=3)
            self.stdout.write(self.style.WARNING(verdict))
            return
        self.stdout.write(self.style.SUCCESS(f"OK: {counted(len(checks), 'counter')} reconcile."))

    def _line(self, check) -> str:
        status = "ok" if check.ok else "MISMATCH"
        if check.stale_reservation:
            status = "STALE RESERVATION"
        elif check.ok and check.unknown_rows:
            status = f"ok, {check.unknown_rows} UNSETTLED UNKNOWN"
        counter = format_exact_dollars(check.counter_micros)
        return (
            f"{check.day} {check.provider:<7} counter {counter:>10} "
            f"ledger {format_exact_dollars(check.ledger_micros):>10} "
            f"reserved {format_exact_dollars(check.reserved_micros):>8}  {status}"
        )
