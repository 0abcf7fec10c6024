"""backfill_normalized_addresses: re-keying leads stored under stale keys, merging the
duplicates that turn up, keeping agent work, and the dry run."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from billing.models import LedgerEntry, Outcome
from leads.activity.services import note_add
from leads.models import ActivityKind, Lead, Stage
from leads.search.ingest import ingest_records
from leads.tests.factories import make_email, make_lead, make_phone
from providers.attom import OwnerName, PropertyRecord, parse_items
from providers.sandbox import attom_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def backfill(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("backfill_normalized_addresses", *args, stdout=out, stderr=err)
    return out.getvalue()


def stale_lead(street: str, old_key: str, **fields) -> Lead:
    """A lead stored before today's normaliser: its keys are in an older form; `notes` are
    added to its timeline."""
    notes = fields.pop("notes", "")
    defaults = {
        "street": street,
        "zip_code": "85034",
        "normalized_address": old_key,
        "owner_first_name": "JOHN",
        "owner_last_name": "SMITH",
        "owner_name": "JOHN SMITH",
        "normalized_owner": "john smith",
    }
    lead = make_lead(**{**defaults, **fields})
    if notes:
        note_add(lead_id=lead.pk, user_id=None, text=notes)
    return lead


def note_texts(lead: Lead) -> list[str]:
    return [a.text for a in lead.activities.filter(kind=ActivityKind.NOTE).order_by("at", "pk")]


def ledger_row(lead: Lead) -> LedgerEntry:
    return LedgerEntry.objects.create(
        provider="batch", operation="skip_trace", outcome=Outcome.SUCCESS, cost_micros=70_000,
        day=timezone.localdate(), lead=lead,
    )  # fmt: skip


def keys(lead: Lead) -> tuple[str, str]:
    lead.refresh_from_db()
    return lead.normalized_address, lead.normalized_owner


def test_it_rekeys_leads_stored_under_stale_keys():
    lead = stale_lead("123 Main Street #4", "123 main street #4 85034")

    out = backfill()

    assert keys(lead) == ("123 MAIN ST|UNIT 4|85034", "SMITH JOHN")
    assert "1 lead read; 1 key to rewrite; 0 duplicates to merge." in out
    assert "Done: 1 key rewritten, 0 duplicates merged." in out


def test_it_leaves_current_keys_alone():
    lead = stale_lead("123 MAIN ST", "123 MAIN ST||85034", normalized_owner="SMITH JOHN")
    updated_at = lead.updated_at

    out = backfill()

    assert "1 lead read; 0 keys to rewrite; 0 duplicates to merge." in out
    lead.refresh_from_db()
    assert lead.updated_at == updated_at


def test_it_merges_duplicates_keeping_agent_work_and_ledger_rows():
    worked = stale_lead(
        "123 Main St Apt 4", "old-1", stage=Stage.CONTACTED, position=0, notes="Left a voicemail."
    )
    traced = stale_lead(
        "123 MAIN STREET # 4", "old-2", owner_name="SMITH, JOHN", normalized_owner="smith, john",
        notes="Owner wants to sell in spring.", skip_trace_status="matched",
        skip_trace_provider="batchdata", skip_traced_at=timezone.now() - dt.timedelta(days=1),
        skip_trace_cost_micros=70_000,
    )  # fmt: skip
    make_phone(traced, "+16025550101")
    make_email(traced, "john@example.com")
    row = ledger_row(traced)

    out = backfill()

    assert "2 leads read; 1 key to rewrite; 1 duplicate to merge." in out
    assert "Done: 1 key rewritten, 1 duplicate merged." in out
    [kept] = Lead.objects.all()
    assert kept.pk == worked.pk  # the lead an agent moved on wins
    assert keys(kept) == ("123 MAIN ST|UNIT 4|85034", "SMITH JOHN")
    assert kept.stage == Stage.CONTACTED
    assert set(note_texts(kept)) == {"Left a voicemail.", "Owner wants to sell in spring."}
    assert [p.number for p in kept.phones.all()] == ["+16025550101"]
    assert [e.email for e in kept.emails.all()] == ["john@example.com"]
    assert (kept.skip_trace_status, kept.skip_trace_cost_micros) == ("matched", 70_000)
    assert kept.best_phone == "+16025550101"
    row.refresh_from_db()
    assert row.lead_id == kept.pk


def test_it_merges_into_a_lead_that_already_holds_the_new_key():
    holder = stale_lead("123 MAIN ST", "123 MAIN ST||85034", normalized_owner="SMITH JOHN")
    stale = stale_lead("123 Main Street", "123 main street", notes="Asked for an offer.")
    row = ledger_row(stale)

    backfill()

    [kept] = Lead.objects.all()
    assert note_texts(kept) == ["Asked for an offer."]
    assert keys(kept) == ("123 MAIN ST||85034", "SMITH JOHN")
    row.refresh_from_db()
    assert row.lead_id == kept.pk
    assert {holder.pk, stale.pk} >= {kept.pk}


def test_it_keeps_the_new_column_dense_after_merging():
    stale_lead("1 Oak Avenue", "old-1", position=0)
    stale_lead("1 OAK AVE", "old-2", position=1)
    stale_lead("7 Elm Street", "old-3", position=2)
    stale_lead("7 ELM ST", "old-4", position=3)
    stale_lead("9 Pine Rd", "old-5", position=4)
    stale_lead("5 Elm St", "old-6", stage=Stage.CONTACTED, position=0, notes="Called.")
    stale_lead("5 ELM STREET", "old-7", position=5)

    backfill()

    assert Lead.objects.count() == 4
    new = list(Lead.objects.filter(stage=Stage.NEW).order_by("position"))
    assert [lead.position for lead in new] == [0, 1, 2]
    assert [lead.street for lead in new] == ["1 Oak Avenue", "7 Elm Street", "9 Pine Rd"]
    assert Lead.objects.get(stage=Stage.CONTACTED).position == 0


def test_it_changes_nothing_in_a_dry_run():
    one = stale_lead("123 Main St Apt 4", "old-1", notes="First.")
    two = stale_lead("123 MAIN STREET # 4", "old-2", notes="Second.")

    out = backfill("--dry-run")

    assert "2 leads read; 1 key to rewrite; 1 duplicate to merge." in out
    assert f"123 MAIN ST|UNIT 4|85034 / SMITH JOHN: leads {one.pk}, {two.pk}" in out
    assert "Dry run: nothing changed." in out
    assert Lead.objects.count() == 2
    assert keys(one) == ("old-1", "john smith")
    assert keys(two) == ("old-2", "john smith")


def test_it_is_idempotent():
    stale_lead("123 Main St Apt 4", "old-1")
    stale_lead("123 MAIN STREET # 4", "old-2")
    backfill()

    out = backfill()

    assert "1 lead read; 0 keys to rewrite; 0 duplicates to merge." in out


def test_it_agrees_with_ingest_on_the_keys_of_sandbox_leads():
    records, _ = parse_items([prop.item for prop in attom_data.population("85034")])
    ingest_records(records, sandbox=True)
    count = Lead.objects.count()

    out = backfill("--dry-run")

    assert f"{count:,} leads read; 0 keys to rewrite; 0 duplicates to merge." in out


@pytest.mark.parametrize(
    "owner",
    [
        OwnerName(first="JOHN A", last="SMITH FAMILY TRUST", full="JOHN A SMITH FAMILY TRUST"),
        OwnerName(first="", last="SUNBELT HOLDINGS LLC", full="SUNBELT HOLDINGS LLC"),
        OwnerName(first="", last="", full="SMITH, JOHN"),
        OwnerName(first="MARY", last="JONES", full="MARY JONES"),
    ],
)
def test_it_agrees_with_ingest_on_owner_keys(owner):
    record = PropertyRecord(
        attom_id=1, fips="04013", apn="1", street="5 Elm St", city="PHOENIX", state="AZ",
        zip5="85034", zip4="", county="", owners=(owner,),
    )  # fmt: skip
    ingest_records([record], sandbox=False)

    out = backfill()

    assert "1 lead read; 0 keys to rewrite" in out
    assert ingest_records([record], sandbox=False).created == 0
