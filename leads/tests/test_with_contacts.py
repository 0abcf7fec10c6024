"""`with_contacts`: leads read with their phones, emails and lists in one query each."""

from __future__ import annotations

import pytest
from django.db.models import prefetch_related_objects

from leads.lists.services import list_add_leads, list_create, list_remove_leads
from leads.models import Lead, Phone, lists_of, lists_prefetch
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
    rows = list(Lead.objects.filter(pk__in=pks).order_by("pk"))
    prefetch_related_objects(rows, "phones", "emails", lists_prefetch())
    return rows


def test_it_reads_what_prefetching_reads(leads, django_assert_num_queries) -> None:
    pks = [lead.pk for lead in leads]
    with django_assert_num_queries(4):  # the leads, their phones, e-mails and lists
        rows = list(with_contacts(Lead.objects.filter(pk__in=pks).order_by("pk")))
        shown = [lead_json(lead) for lead in rows]
    assert shown == [lead_json(lead) for lead in prefetched(pks)]
    assert [p.number for p in rows[0].phones.all()] == ["+16025550100", "+16025550101"]
    assert [item.name for item in lists_of(rows[0])] == ["Taxes", "P"]
    assert lists_of(rows[3]) == [] and list(rows[1].phones.all()) == []


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
