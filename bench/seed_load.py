"""Seeding for bench/http_load.py: `seed(count, password)` makes the leads and the bench user
(who logs in with `password` for the pages), and prints the user's API token (run through
`manage.py shell -c`)."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from accounts.auth import hash_token, new_token
from accounts.models import ApiToken
from leads.models import Lead, Phone, Source, Stage
from leads.scoring.temperature import temperature_for

BATCH = 2_000
STAGES = [(Stage.NEW, 0.45), (Stage.CONTACTED, 0.2), (Stage.FOLLOW_UP, 0.12)]
STAGES += [(Stage.NEGOTIATING, 0.08), (Stage.UNDER_CONTRACT, 0.04), (Stage.CLOSED_WON, 0.03)]
STAGES += [(Stage.DEAD, 0.08)]


def seed(count: int, password: str) -> None:
    rng = random.Random(11)
    positions = dict.fromkeys(Stage.values, 0)
    for start in range(0, count, BATCH):
        with transaction.atomic():
            leads = Lead.objects.bulk_create(
                [_lead(n, rng, positions) for n in range(start, min(start + BATCH, count))]
            )
            Phone.objects.bulk_create(
                Phone(lead=lead, number=lead.best_phone, line_type="mobile", score=80,
                      reachable=True, tested=True, dnc_checked_at=timezone.now())
                for lead in leads if lead.best_phone
            )  # fmt: skip
    settle()
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True})
    user.set_password(password)
    user.save(update_fields=["password"])
    raw = new_token()
    ApiToken.objects.create(user=user, name="bench", token_hash=hash_token(raw))
    print(raw)


def settle() -> None:
    """What autovacuum keeps on a live database: the planner's statistics (and, on
    PostgreSQL, the visibility map). Freshly loaded tables have none, and PostgreSQL then
    plans for a few rows: each board column's `ORDER BY position LIMIT 25` becomes a sort of
    the whole column (57 ms instead of 1 ms for the board's cards at 20,000 leads)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _lead(n: int, rng: random.Random, positions: dict[str, int]) -> Lead:
    stage = rng.choices([s for s, _ in STAGES], [w for _, w in STAGES])[0]
    positions[stage] += 1
    score = rng.randrange(0, 101)
    contactable = rng.random() < 0.4
    return Lead(
        source=Source.ATTOM_SANDBOX,
        sandbox=True,
        street=f"{100 + n} W MAIN ST",
        city="PHOENIX",
        state="AZ",
        zip_code=rng.choice(["85034", "85008", "85016", "85021"]),
        normalized_address=f"{100 + n} W MAIN ST||85034",
        owner_name=f"OWNER, PAT {n}",
        owner_first_name="PAT",
        owner_last_name=f"OWNER{n}",
        normalized_owner=f"OWNER PAT {n}",
        avm_value_usd=rng.randrange(150_000, 900_000),
        ai_score=score,
        temperature_tag=temperature_for(score),
        scored_by="rules",
        best_phone=f"+1602555{n % 10_000:04d}" if contactable else "",
        contactable=contactable,
        stage=stage,
        position=positions[stage],
    )
