from __future__ import annotations

import sys
from collections import defaultdict

from django.core.management.base import BaseCommand
from django.db import transaction

from leadflow.text import counted
from leads.models import Lead
from leads.search.ingest import stored_dedup_key
from leads.search.merge import keeper_of, merge_leads


class Command(BaseCommand):
    help = "Re-normalise every lead's address and owner, merging the duplicates it finds."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        groups = self._groups()
        changed = [(key, leads) for key, leads in groups.items() if self._needs_work(key, leads)]
        merges = sum(len(leads) - 1 for _, leads in changed)
        self.stdout.write(
            f"{counted(sum(len(v) for v in groups.values()), 'lead')} read; "
            f"{counted(len(changed), 'key')} to rewrite; {counted(merges, 'duplicate')} to merge."
        )
        if dry_run:
            for (address, owner), leads in changed[:50]:
                ids = ", ".join(str(lead.pk) for lead in leads)
                self.stdout.write(
                    f"  {address} / {owner or '(no owner)'}: "
                    f"{'lead' if len(leads) == 1 else 'leads'} {ids}"
                )
            self.stdout.write("Dry run: nothing changed.")
            return
        for done, (key, leads) in enumerate(changed, start=1):
            self._apply(key, leads)
            self._progress(done, len(changed))
        if changed:
            sys.stderr.write("\n")
        self.stdout.write(
            f"Done: {counted(len(changed), 'key')} rewritten, "
            f"{counted(merges, 'duplicate')} merged."
        )

    def _groups(self) -> dict[tuple[str, str], list[Lead]]:
        groups: dict[tuple[str, str], list[Lead]] = defaultdict(list)
        for lead in Lead.objects.order_by("pk").iterator(chunk_size=2000):
            groups[stored_dedup_key(lead)].append(lead)
        return groups

    def _needs_work(self, key: tuple[str, str], leads: list[Lead]) -> bool:
        return len(leads) > 1 or (leads[0].normalized_address, leads[0].normalized_owner) != key

    @transaction.atomic
    def _apply(self, key: tuple[str, str], leads: list[Lead]) -> None:
        # Fresh copies: earlier merges may have moved these leads' board positions.
        leads = list(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).order_by("pk"))
        keeper = keeper_of(leads)
        for other in leads:
            if other.pk != keeper.pk:
                merge_leads(keeper=keeper, duplicate=other)
        # Another lead may hold the new key already (it is in its own group): merge into it.
        holder = (
            Lead.objects.filter(normalized_address=key[0], normalized_owner=key[1])
            .exclude(pk=keeper.pk)
            .first()
        )
        if holder is not None:
            merge_leads(keeper=holder, duplicate=keeper)
            return
        Lead.objects.filter(pk=keeper.pk).update(normalized_address=key[0], normalized_owner=key[1])

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
