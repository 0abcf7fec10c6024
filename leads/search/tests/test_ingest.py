"""Turning ATTOM property records into leads: dedup, upsert, ownership changes, agent work."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from leads.activity.services import note_add
from leads.bulk_insert import BATCH_TABLE
from leads.models import Lead, Source, Stage
from leads.search.ingest import ingest_records
from leads.tests.factories import make_email, make_lead, make_phone
from providers.attom import OwnerName, PropertyRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def person(first: str, last: str) -> OwnerName:
    return OwnerName(first=first, last=last, full=f"{first} {last}".strip())


def record(**changes) -> PropertyRecord:
    fields: dict[str, Any] = {
        "attom_id": 184713191,
        "fips": "04013",
        "apn": "123-45-678",
        "street": "123 Main St Apt 4",
        "city": "PHOENIX",
        "state": "AZ",
        "zip5": "85034",
        "zip4": "1234",
        "county": "Maricopa County",
        "latitude": Decimal("33.4413"),
        "longitude": Decimal("-112.0421"),
        "owners": (person("JOHN", "SMITH"),),
        "corporate_owner": False,
        "absentee": True,
        "mailing_address": "PO BOX 57172, JACKSONVILLE, FL 32241-7172",
        "property_type": "CONDOMINIUM",
        "beds": 2,
        "baths": Decimal("1.5"),
        "living_sqft": 980,
        "year_built": 1984,
        "avm_value": 250_000,
        "last_sale_date": dt.date(2016, 8, 12),
        "last_sale_amount": 180_000,
        "mortgage_amount": 100_000,
        "estimated_equity": 150_000,
    }
    fields.update(changes)
    return PropertyRecord(**fields)


def ingest(*records: PropertyRecord, sandbox: bool = False):
    return ingest_records(list(records), sandbox=sandbox)


# -- one record -----------------------------------------------------------------------------


def test_it_creates_a_lead_from_a_record():
    result = ingest(record())

    [lead] = result.leads
    assert (result.created, result.duplicates, result.ownership_changes) == (1, 0, 0)
    lead.refresh_from_db()
    assert (lead.street, lead.unit) == ("123 MAIN ST", "UNIT 4")
    assert (lead.city, lead.state) == ("PHOENIX", "AZ")
    assert (lead.zip_code, lead.zip4, lead.county) == ("85034", "1234", "Maricopa County")
    assert lead.normalized_address == "123 MAIN ST|UNIT 4|85034"
    assert (lead.normalized_owner, lead.owner_name) == ("SMITH JOHN", "JOHN SMITH")
    assert (lead.owner_first_name, lead.owner_last_name) == ("JOHN", "SMITH")
    assert (lead.source, lead.sandbox, lead.attom_id) == (Source.ATTOM, False, 184713191)
    assert (lead.mailing_street, lead.mailing_city, lead.mailing_state) == (
        "PO BOX 57172", "JACKSONVILLE", "FL",
    )  # fmt: skip
    assert lead.mailing_zip == "32241"
    assert (lead.avm_value_usd, lead.estimated_equity_usd) == (250_000, 150_000)
    assert (lead.stage, lead.owns_property) == (Stage.NEW, True)


def test_it_marks_sandbox_leads():
    [lead] = ingest(record(), sandbox=True).leads

    assert (lead.source, lead.sandbox) == (Source.ATTOM_SANDBOX, True)


def test_it_treats_an_entity_as_a_corporate_owner():
    entity = OwnerName(first="", last="SUNBELT HOLDINGS L.L.C.", full="SUNBELT HOLDINGS L.L.C.")

    [lead] = ingest(record(owners=(entity,), corporate_owner=None)).leads

    assert lead.corporate_owner is True
    assert lead.normalized_owner == "SUNBELT HOLDINGS LLC"
    assert lead.owner_first_name == ""


def test_it_keeps_the_whole_name_of_an_entity_given_with_a_first_name():
    trust = OwnerName(first="JOHN A", last="SMITH FAMILY TR", full="JOHN A SMITH FAMILY TR")

    [lead] = ingest(record(owners=(trust,), corporate_owner=True)).leads

    assert lead.normalized_owner == "JOHN A SMITH FAMILY TRUST"
    assert (lead.owner_first_name, lead.owner_last_name) == ("", "JOHN A SMITH FAMILY TR")


def test_it_ingests_an_address_the_parser_cannot_split():
    [lead] = ingest(record(street="RR 2 Box 14", attom_id=None)).leads

    lead.refresh_from_db()
    assert lead.street == "RR 2 BOX 14"
    assert lead.normalized_address == "RR 2 BOX 14||85034"


def test_it_ingests_a_record_without_owner_or_attom_id():
    [lead] = ingest(record(owners=(), attom_id=None, mailing_address=None)).leads

    assert (lead.normalized_owner, lead.owner_name, lead.mailing_street) == ("", "", "")


# -- dedup ----------------------------------------------------------------------------------


def test_it_merges_two_spellings_of_one_property_and_owner_in_a_batch():
    one = record(attom_id=None, street="123 Main St Apt 4",
                 owners=(OwnerName(first="", last="SMITH, JOHN", full="SMITH, JOHN"),))  # fmt: skip
    other = record(attom_id=None, street="123 MAIN STREET # 4", owners=(person("JOHN", "SMITH"),))

    result = ingest(one, other)

    assert (result.created, result.duplicates) == (1, 1)
    assert Lead.objects.count() == 1
    assert [lead.pk for lead in result.leads] == [Lead.objects.get().pk]


def test_it_finds_a_stored_lead_under_another_spelling():
    ingest(record(street="123 Main St Apt 4", attom_id=None))

    result = ingest(record(street="123 MAIN STREET # 4", attom_id=None))

    assert (result.created, Lead.objects.count()) == (0, 1)


def test_it_merges_records_of_one_attom_id_and_owner_whatever_the_address():
    result = ingest(record(street="123 Main St Apt 4"), record(street="123 Main Street Unit 4A"))

    assert (result.created, result.duplicates, Lead.objects.count()) == (1, 1, 1)


def test_it_keeps_the_stored_lead_of_an_attom_id_under_a_new_address_spelling():
    [first] = ingest(record(street="123 Main St Apt 4")).leads

    result = ingest(record(street="123 N Main St Apt 4", avm_value=300_000))

    assert (result.created, Lead.objects.count()) == (0, 1)
    [again] = result.leads
    assert again.pk == first.pk
    assert again.avm_value_usd == 300_000
    assert again.owns_property is True


def test_it_merges_a_batch_whose_records_meet_only_at_a_stored_lead():
    [stored] = ingest(record(attom_id=1)).leads

    # The first record is the stored lead's parcel under a new spelling; the second has the
    # stored lead's address but another ATTOM id. Both are the stored lead.
    renamed, renumbered = record(attom_id=1, street="123 N Main St"), record(attom_id=2)
    result = ingest(renamed, renumbered)

    assert [lead.pk for lead in result.leads] == [stored.pk]
    assert (result.created, Lead.objects.count()) == (0, 1)


def test_it_keeps_apart_other_units_and_other_owners_of_one_building():
    result = ingest(
        record(attom_id=1, street="123 Main St Apt 4"),
        record(attom_id=2, street="123 Main St Apt 5"),
        record(attom_id=3, street="123 Main St Apt 6", owners=(person("MARY", "JONES"),)),
    )

    assert (result.created, Lead.objects.count()) == (3, 3)


def test_it_returns_one_lead_per_property_in_the_order_first_seen():
    result = ingest(
        record(attom_id=3, street="3 Oak Ave"),
        record(attom_id=1, street="1 Oak Ave"),
        record(attom_id=3, street="3 OAK AVENUE"),
        record(attom_id=2, street="2 Oak Ave"),
    )

    assert [lead.attom_id for lead in result.leads] == [3, 1, 2]


def test_it_fills_blanks_of_a_duplicate_from_its_twin():
    result = ingest(record(attom_id=7, avm_value=None), record(attom_id=7, avm_value=260_000))

    assert result.leads[0].avm_value_usd == 260_000


# -- re-finding a lead ----------------------------------------------------------------------


def test_it_refreshes_property_data_and_never_agent_work():
    [lead] = ingest(record()).leads
    traced_at = timezone.now() - dt.timedelta(days=3)
    note_add(lead_id=lead.pk, user_id=None, text="Call after 5pm.")
    Lead.objects.filter(pk=lead.pk).update(
        stage=Stage.NEGOTIATING, position=7, do_not_call=True,
        skip_trace_status="matched", skip_trace_provider="batchdata", skip_traced_at=traced_at,
        skip_trace_cost_micros=70_000, best_phone="+16025550101", dnc_flag=True,
        contactable=False, litigator=False, ai_score=91, temperature_tag="ON_FIRE",
        scored_by="gpt-5-mini", score_reasons=[{"points": 91, "reason": "AI"}],
        ai_cost_micros=1_234, assigned_to=None,
    )  # fmt: skip
    make_phone(lead, "+16025550101")
    make_email(lead, "john@example.com")

    [again] = ingest(record(avm_value=275_000, beds=3, absentee=False)).leads

    again.refresh_from_db()
    assert again.pk == lead.pk
    assert (again.avm_value_usd, again.beds, again.absentee) == (275_000, 3, False)
    assert (again.stage, again.position) == (Stage.NEGOTIATING, 7)
    assert [a.text for a in again.activities.filter(kind="note")] == ["Call after 5pm."]
    assert (again.do_not_call, again.dnc_flag, again.best_phone) == (True, True, "+16025550101")
    assert (again.skip_trace_status, again.skip_trace_provider) == ("matched", "batchdata")
    assert (again.skip_traced_at, again.skip_trace_cost_micros) == (traced_at, 70_000)
    assert (again.ai_score, again.temperature_tag, again.scored_by) == (91, "ON_FIRE", "gpt-5-mini")
    assert again.ai_cost_micros == 1_234
    assert [p.number for p in again.phones.all()] == ["+16025550101"]
    assert [e.email for e in again.emails.all()] == ["john@example.com"]


def test_it_keeps_what_it_knew_when_a_refresh_lacks_it():
    ingest(record(avm_value=250_000))

    [again] = ingest(record(avm_value=None, estimated_equity=None)).leads

    # ATTOM's latest word wins, even when it no longer has a value.
    assert again.avm_value_usd is None


# -- ownership changes ----------------------------------------------------------------------


def test_it_makes_a_new_lead_for_a_new_owner_and_retires_the_old_one():
    [old] = ingest(record(owners=(person("JOHN", "SMITH"),))).leads

    result = ingest(record(owners=(OwnerName(first="", last="ACME HOMES LLC", full=""),),
                           corporate_owner=True))  # fmt: skip

    [new] = result.leads
    assert (result.created, result.ownership_changes) == (1, 1)
    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.owns_property is False
    assert new.owns_property is True
    assert new.normalized_owner == "ACME HOMES LLC"
    assert new.normalized_address == old.normalized_address


def test_it_retires_the_old_owner_of_an_attom_id_under_another_spelling():
    [old] = ingest(record(street="123 Main St Apt 4")).leads

    result = ingest(record(street="123 N Main St Apt 4", owners=(person("MARY", "JONES"),)))

    old.refresh_from_db()
    assert old.owns_property is False
    assert result.ownership_changes == 1
    assert Lead.objects.filter(owns_property=True).get().normalized_owner == "JONES MARY"


def test_it_retires_an_earlier_owner_at_the_address_an_attom_id_keeps():
    # The parcel is stored under one spelling with its ATTOM id, and an imported lead of an
    # earlier owner (no ATTOM id) sits at that spelling too. A search sends another spelling:
    # the lead keeps its stored address, and the earlier owner's lead there is retired.
    [kept] = ingest(record(street="123 Main St Apt 4")).leads
    earlier = make_lead(normalized_address=kept.normalized_address, normalized_owner="DOE JANE")

    result = ingest(record(street="123 N Main St Apt 4"))

    assert [lead.pk for lead in result.leads] == [kept.pk]
    assert result.ownership_changes == 1
    earlier.refresh_from_db()
    assert earlier.owns_property is False


def test_it_gives_the_parcel_back_when_the_old_owner_is_reported_again():
    [old] = ingest(record(owners=(person("JOHN", "SMITH"),))).leads
    ingest(record(owners=(person("MARY", "JONES"),)))

    ingest(record(owners=(person("JOHN", "SMITH"),)))

    old.refresh_from_db()
    assert old.owns_property is True
    assert Lead.objects.filter(owns_property=True).count() == 1


# -- the pipeline ---------------------------------------------------------------------------


def test_it_appends_new_leads_at_the_bottom_of_the_new_column():
    for position in range(3):
        make_lead(stage=Stage.NEW, position=position)
    make_lead(stage=Stage.CONTACTED, position=0)

    result = ingest(*(record(attom_id=n, street=f"{n} Oak Ave") for n in (1, 2, 3)))

    assert [lead.position for lead in result.leads] == [3, 4, 5]
    positions = sorted(Lead.objects.filter(stage=Stage.NEW).values_list("position", flat=True))
    assert positions == list(range(6))


def test_it_keeps_the_position_of_a_refound_lead_when_appending_others():
    [kept] = ingest(record(attom_id=1, street="1 Oak Ave")).leads

    result = ingest(*(record(attom_id=n, street=f"{n} Oak Ave") for n in (1, 2, 3)))

    assert [lead.position for lead in result.leads] == [kept.position, 1, 2]
    positions = sorted(Lead.objects.filter(stage=Stage.NEW).values_list("position", flat=True))
    assert positions == [0, 1, 2]


def test_it_creates_nothing_for_no_records():
    result = ingest()

    assert (result.leads, result.created) == ([], 0)


def test_it_round_trips_a_record_unchanged():
    rec = record()
    ingest(rec)

    ingest(dataclasses.replace(rec))

    assert Lead.objects.count() == 1


def test_it_leaves_a_refound_lead_it_would_not_change_unwritten():
    [lead] = ingest(record()).leads
    written = lead.updated_at

    ingest(record())
    unchanged = Lead.objects.get(pk=lead.pk)
    ingest(record(baths=Decimal("2.5")))
    changed = Lead.objects.get(pk=lead.pk)

    assert unchanged.updated_at == written
    assert changed.baths == Decimal("2.5") and changed.updated_at > written


def test_it_returns_the_pks_of_new_changed_and_unchanged_leads_in_order():
    kept, changed = record(attom_id=1, street="1 Oak Ave"), record(attom_id=2, street="2 Oak Ave")
    before = ingest(kept, changed).ids

    again = ingest(record(attom_id=3, street="3 Oak Ave"), kept, record(attom_id=2, beds=5))

    assert again.ids[1:] == before and again.created == 1
    assert again.leads[0].street == "3 OAK AVE" and again.leads[2].beds == 5


def test_it_ingests_twice_in_the_callers_transaction_and_leaves_no_batch_table():
    with transaction.atomic():
        [first] = ingest(record()).ids
        [again] = ingest(record(baths=Decimal("2.5"))).ids
        tables = connection.introspection.table_names()

    assert first == again and Lead.objects.get().baths == Decimal("2.5")
    assert BATCH_TABLE not in tables


# -- concurrency ----------------------------------------------------------------------------

THREADS = 8


def _ingest_batch(first_id: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        batch = [record(attom_id=n, street=f"{n} Oak Ave") for n in range(first_id, first_id + 20)]
        barrier.wait()
        ingest(*batch)
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_positions_dense_when_searches_ingest_at_once():
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    workers = [
        threading.Thread(target=_ingest_batch, args=(1 + 100 * i, barrier, errors))
        for i in range(THREADS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    positions = sorted(Lead.objects.filter(stage=Stage.NEW).values_list("position", flat=True))
    assert positions == list(range(THREADS * 20))


def _ingest_the_same(
    results: list, barrier: threading.Barrier, errors: list[BaseException]
) -> None:
    try:
        batch = [record(attom_id=n, street=f"{n} Elm St") for n in range(1, 41)]
        barrier.wait()
        results.append(ingest(*batch).ids)
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_stores_each_lead_once_when_searches_ingest_the_same_leads_at_once():
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    results: list[list[int]] = []
    workers = [
        threading.Thread(target=_ingest_the_same, args=(results, barrier, errors))
        for _ in range(THREADS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    stored = list(Lead.objects.order_by("attom_id").values_list("pk", flat=True))
    assert len(stored) == 40 and all(ids == stored for ids in results)
