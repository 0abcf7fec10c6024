"""`with_contacts`: leads read with their phones, emails and lists, in one query for them all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import prefetch_related_objects
from django.utils import timezone

from leads.lead_contacts import leads_with_contacts
from leads.lists.models import ACTIVE_MEMBERSHIPS
from leads.lists.services import list_add_leads, list_create, list_remove_leads
from leads.models import Lead, LeadList, Phone, lists_of, lists_prefetch
from leads.selectors import page_of, with_contacts
from leads.serializers import lead_json
from leads.tests.factories import make_email, make_lead, make_phone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_query_cache")]


@pytest.fixture
def leads() -> list[Lead]:
    made = [make_lead(street=f"{n} W MAIN ST") for n in range(1, 5)]
    make_phone(made[0], "+16025550101", rank=1)
    make_phone(made[0], "+16025550100", rank=0)
    make_phone(made[2], "+16025550102")
    make_email(made[0], "a@example.com")
    taxes, probate = list_create(name="Taxes", user_id=None), list_create(name="P", user_id=None)
    list_add_leads(lead_list=taxes, lead_ids=[made[0].pk, made[1].pk])
    list_add_leads(lead_list=probate, lead_ids=[made[0].pk, made[3].pk])
    list_remove_leads(lead_list=probate, lead_ids=[made[3].pk])
    return made


def prefetched(pks: list[int]) -> list[Lead]:
    rows = sorted(Lead.objects.filter(pk__in=pks), key=lambda lead: pks.index(lead.pk))
    prefetch_related_objects(rows, "phones", "emails", lists_prefetch())
    return rows


def test_it_reads_what_prefetching_reads(leads, django_assert_num_queries) -> None:
    pks = [lead.pk for lead in leads]
    with django_assert_num_queries(2):  # the leads, then their phones, e-mails and lists
        rows = list(with_contacts(Lead.objects.filter(pk__in=pks).order_by("pk")))
        shown = [lead_json(lead) for lead in rows]
    assert shown == [lead_json(lead) for lead in prefetched(pks)]
    assert [p.number for p in rows[0].phones.all()] == ["+16025550100", "+16025550101"]
    assert [item.name for item in lists_of(rows[0])] == ["Taxes", "P"]
    assert lists_of(rows[3]) == [] and list(rows[1].phones.all()) == []


def fields(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


def test_every_contact_holds_every_stored_value(leads) -> None:
    checked = timezone.now() - dt.timedelta(days=3)
    Phone.objects.filter(lead=leads[2]).update(
        dnc_checked_at=checked, dnc=True, score=87, carrier="Verizon", valid=False
    )
    LeadList.objects.filter(name="Taxes").update(query={"zip": "85034"}, last_grew_at=checked)
    rows = list(with_contacts(Lead.objects.filter(pk__in=[lead.pk for lead in leads])))
    for lead, stored in zip(rows, prefetched([lead.pk for lead in rows]), strict=True):
        for name in ("phones", "emails"):
            mine, theirs = getattr(lead, name).all(), getattr(stored, name).all()
            assert [fields(row) for row in mine] == [fields(row) for row in theirs]
        mine, theirs = getattr(lead, ACTIVE_MEMBERSHIPS), getattr(stored, ACTIVE_MEMBERSHIPS)
        assert [fields(m) for m in mine] == [fields(m) for m in theirs]
        assert [fields(m.lead_list) for m in mine] == [fields(m.lead_list) for m in theirs]
    third = next(lead for lead in rows if lead.pk == leads[2].pk)
    assert third.phones.all()[0].dnc_checked_at == checked


def test_a_contact_knows_its_lead_without_a_query(leads, django_assert_num_queries) -> None:
    lead = with_contacts(Lead.objects.filter(pk=leads[0].pk)).get()
    with django_assert_num_queries(0):
        assert all(phone.lead is lead for phone in lead.phones.all())


def test_what_is_chained_on_the_contacts_still_reads_this_leads_rows_only(leads) -> None:
    first, third = with_contacts(Lead.objects.filter(pk__in=[leads[0].pk, leads[2].pk])).order_by(
        "pk"
    )
    assert first.phones.filter(rank=0).count() == 1
    assert third.phones.count() == 1
    first.phones.all().delete()
    assert Phone.objects.filter(lead=third).count() == 1
    assert not Phone.objects.filter(lead=first).exists()


def test_a_page_and_no_leads_read_no_contacts(leads, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert list(with_contacts(Lead.objects.filter(pk=0))) == []
    page = page_of(Lead.objects.order_by("pk"), 2, 3)
    assert [lead.pk for lead in page.object_list] == [leads[3].pk]
    with django_assert_num_queries(0):
        assert lists_of(page.object_list[0]) == []


def test_leads_read_by_id_are_what_a_query_reads(leads, django_assert_num_queries) -> None:
    pks = [lead.pk for lead in leads]
    with django_assert_num_queries(2):  # the leads, then their contacts
        found = leads_with_contacts([*pks, 0])  # 0: no such lead, left out
    assert sorted(lead.pk for lead in found) == pks
    by_id = {lead.pk: lead for lead in found}
    assert [fields(by_id[lead.pk]) for lead in prefetched(pks)] == [
        fields(lead) for lead in prefetched(pks)
    ]
    assert [lead_json(by_id[pk]) for pk in pks] == [lead_json(lead) for lead in prefetched(pks)]


def test_a_lead_page_of_no_such_lead_is_404(agent_client) -> None:
    assert agent_client.get("/leads/999999/").status_code == 404
