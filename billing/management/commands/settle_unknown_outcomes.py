"""Settle unknown outcomes from the vendor's usage export (see billing/usage_export.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.money import format_exact_dollars
from billing.settlement import DaySettlement, settle_day
from billing.usage_export import UsageExportError, billed_per_day
from leadflow.text import counted
from providers.modes import PROVIDERS


class Command(BaseCommand):
    help = (
        "Settle calls with an unknown outcome (charged at their maximum) from what the "
        "vendor's usage export says it billed: adjustment rows in the ledger, never edits."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--provider", required=True, choices=PROVIDERS)
        parser.add_argument("--usage-csv", required=True, type=Path, help="The vendor's export.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change.")

    def handle(self, *args, provider: str, usage_csv: Path, dry_run: bool, **options) -> None:
        try:
            with usage_csv.open(newline="", encoding="utf-8-sig") as lines:
                days = billed_per_day(lines, provider=provider)
        except (OSError, UsageExportError) as exc:
            raise CommandError(str(exc)) from None
        for day, vendor_micros in sorted(days.items()):
            result = settle_day(
                provider=provider, day=day, vendor_micros=vendor_micros, apply=not dry_run
            )
            self.stdout.write(self._line(result))
        self.stdout.write("Dry run: nothing changed." if dry_run else "Done.")

    def _line(self, result: DaySettlement) -> str:
        vendor, charged = (
            format_exact_dollars(result.vendor_micros),
            format_exact_dollars(result.charged_micros),
        )
        line = (
            f"{result.day} {result.provider}: vendor billed {vendor}; "
            f"{counted(result.unknown_rows, 'unknown outcome')} charged {charged}, adjusted by "
            f"{format_exact_dollars(result.adjustment_micros)}"
        )
        if result.unexplained_micros:
            line += (
                f"; {format_exact_dollars(result.unexplained_micros)} the ledger does not explain "
                "(check the export against the ledger)"
            )
        return line
