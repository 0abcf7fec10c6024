from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from billing.money import format_dollars
from billing.pricing import UnknownPrice
from leadflow.text import counted
from leads.management.lead_options import leads_from_options
from leads.models import Lead
from leads.scoring.services import (
    ai_rescore_estimate,
    leads_rescore,
    openai_budget_remaining_micros,
)
from providers.modes import is_enabled
from providers.registry import OPENAI

PROGRESS_WIDTH = 30


class Command(BaseCommand):
    help = "Rescore leads with the rules (default) or with OpenAI (--ai), metered by the cap."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--zip", default="")
        parser.add_argument("--stage", default="")
        parser.add_argument("--temperature", default="")
        parser.add_argument("--ids", default="", help="Comma-separated lead ids.")
        parser.add_argument("--unscored", action="store_true", help="Only leads with no score.")
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--ai", action="store_true", help="Score with OpenAI (paid, capped).")
        how.add_argument("--rules", action="store_true", help="Score with the rules (default).")
        parser.add_argument("--dry-run", action="store_true", help="Count and estimate only.")

    def handle(self, *args, **options) -> None:
        use_ai = options["ai"]
        if use_ai and not is_enabled(OPENAI):
            raise CommandError("OpenAI is off: set OPENAI_API_KEY or SANDBOX_PROVIDERS.")
        leads = self._leads(options)
        count = leads.count()
        self.stdout.write(self._preview(count, use_ai))
        if options["dry_run"] or not count:
            return
        summary = leads_rescore(queryset=leads, use_ai=use_ai, progress=self._progress)
        self.stderr.write("")
        self.stdout.write(
            f"Rescored {counted(summary.total, 'lead')}: {summary.ai_scored} by AI, "
            f"{summary.rules_scored} by rules "
            f"({counted(summary.ai_fallbacks, 'AI fallback')}); "
            f"AI cost {format_dollars(summary.cost_micros)}."
        )
        if summary.cap_reached:
            self.stdout.write("The daily OpenAI cap was reached: the rest kept rules scores.")

    def _leads(self, options: dict) -> QuerySet[Lead]:
        leads = leads_from_options(options, ("zip", "stage", "temperature"))
        if options["unscored"]:
            leads = leads.filter(ai_score__isnull=True)
        return leads

    def _preview(self, count: int, use_ai: bool) -> str:
        if not use_ai:
            return f"{counted(count, 'lead')} to rescore with the rules (free)."
        try:
            estimate = ai_rescore_estimate(count=count)
        except UnknownPrice as exc:
            raise CommandError(str(exc)) from None
        remaining = openai_budget_remaining_micros()
        line = (
            f"{counted(count, 'lead')} to rescore with {settings.OPENAI_MODEL}: at most "
            f"{format_dollars(estimate, up=True)}; "
            f"today's OpenAI budget left {format_dollars(remaining)}."
        )
        if estimate > remaining:
            line += " The cap may stop AI scoring early; the rest keep rules scores."
        return line

    def _progress(self, done: int, total: int) -> None:
        filled = PROGRESS_WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
        self.stderr.write(f"\r[{bar}] {done}/{total}", style_func=str, ending="")
        self.stderr.flush()
