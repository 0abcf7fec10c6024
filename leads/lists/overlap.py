"""Two lists side by side: how many leads each has alone, and which leads are on both."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from leads.lists.models import LeadList, ListMembership
from leads.models import Lead
from leads.selectors import BEST_SCORE_FIRST


@dataclass
class Overlap:
    a: LeadList
    b: LeadList
    only_a: int
    only_b: int
    both: QuerySet[Lead]
    both_count: int


def list_overlap(a: LeadList, b: LeadList) -> Overlap:
    def on(lead_list: LeadList) -> Exists:
        return Exists(
            ListMembership.objects.filter(
                lead=OuterRef("pk"), lead_list=lead_list, removed_at__isnull=True
            )
        )

    counts = Lead.objects.alias(in_a=on(a), in_b=on(b)).aggregate(
        only_a=Count("pk", filter=Q(in_a=True, in_b=False)),
        only_b=Count("pk", filter=Q(in_a=False, in_b=True)),
        both=Count("pk", filter=Q(in_a=True, in_b=True)),
    )
    both = Lead.objects.filter(on(a), on(b)).order_by(BEST_SCORE_FIRST, "pk")
    return Overlap(a, b, counts["only_a"], counts["only_b"], both, counts["both"])
