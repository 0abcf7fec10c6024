"""Do-not-call that always holds (issue 10 item 4): numbers in E.164 and unique, admin entries
reaching the stored phones at once, and the internal list and wrong-number marks applied in
the transaction that stores a (re-)trace's phones, forced ones included."""

from __future__ import annotations

import importlib
import json

import pytest
import responses
from django.apps import apps
from django.db import transaction

from leads.models import ActivityKind, DoNotCall, Lead, Phone, WrongNumber
from leads.skiptrace.compliance import phone_mark_do_not_call, phone_mark_wrong, refresh_compliance
from leads.skiptrace.contacts import store_match
from leads.skiptrace.services import lead_skip_trace
from leads.skiptrace.tests.test_skiptrace import BATCH_URL, JANE, answer
from leads.tests.factories import make_lead, make_phone
from providers.batchdata import SkipTraceMatch, TracedPhone

pytestmark = pytest.mark.django_db

BEST = "+16025550142"  # JANE's best phone (score 100, DNC clear)


@pytest.fixture
def wire(settings):
    from leads.skiptrace.tests.test_skiptrace import go_live

    go_live(settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, BATCH_URL, json=answer(JANE))
        yield mock


def add_in_admin(admin_client, number: str):
    return admin_client.post("/admin/leads/donotcall/add/", {"number": number, "reason": "asked"})


@pytest.mark.parametrize(
    "typed", ["(602) 555-0142", "602.555.0142", "1-602-555-0142", "6025550142"]
)
def test_it_keeps_admin_entries_in_e164_and_marks_the_phones_at_once(admin_client, typed):
    lead = make_lead()
    make_phone(lead, BEST)
    make_phone(lead, "+16025550187", score=10)
    refresh_compliance(lead)
    assert Lead.objects.get(pk=lead.pk).best_phone == BEST

    response = add_in_admin(admin_client, typed)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert DoNotCall.objects.get().number == BEST
    assert Phone.objects.get(number=BEST).do_not_call
    lead.refresh_from_db()
    assert lead.best_phone == "+16025550187"
    assert lead.activities.filter(kind=ActivityKind.DO_NOT_CALL).exists()


def test_it_refuses_a_number_listed_already_in_another_form(admin_client):
    DoNotCall.objects.create(number=BEST)
    response = add_in_admin(admin_client, "(602) 555-0142")
    assert response.status_code == 200  # the form again, with the error
    assert DoNotCall.objects.count() == 1


def test_it_refuses_what_is_no_phone_number(admin_client):
    response = add_in_admin(admin_client, "call me maybe")
    assert response.status_code == 200
    assert "Enter a phone number" in response.content.decode()
    assert not DoNotCall.objects.exists()


def test_it_lets_a_number_be_called_again_once_taken_off_the_list(admin_client):
    lead = make_lead()
    make_phone(lead, BEST)
    phone_mark_do_not_call(number=BEST, user_id=None)
    entry = DoNotCall.objects.get()
    admin_client.post(f"/admin/leads/donotcall/{entry.pk}/delete/", {"post": "yes"})
    assert not Phone.objects.get(number=BEST).do_not_call
    assert Lead.objects.get(pk=lead.pk).best_phone == BEST


def test_it_marks_a_listed_number_in_the_transaction_that_stores_the_phones():
    """No reader can see the re-created phone unmarked: the mark is part of the store."""
    DoNotCall.objects.create(number=BEST)
    lead = make_lead()
    phone = TracedPhone(BEST, "mobile", None, 90, True, True, dnc=False, tcpa=False)
    match = SkipTraceMatch(str(lead.pk), matched=True, error=False, phones=(phone,))
    with transaction.atomic():
        store_match(lead, match, cost_micros=0, provider="batchdata")
        assert Phone.objects.get(lead=lead, number=BEST).do_not_call


@pytest.mark.parametrize("force", [False, True])
def test_it_keeps_do_not_call_and_wrong_marks_through_every_re_trace(wire, force):
    listed, other = make_lead(), make_lead()
    lead_skip_trace(lead=listed)
    lead_skip_trace(lead=other)
    phone_mark_do_not_call(number=BEST, user_id=None)
    phone_mark_wrong(lead=other, number="+16025550187", user_id=None)
    Lead.objects.update(skip_traced_at=None)  # stale: the next trace asks BatchData again

    for lead in (listed, other):
        lead_skip_trace(lead=Lead.objects.get(pk=lead.pk), force=force)

    assert len(wire.calls) == 4
    assert all(Phone.objects.filter(number=BEST).values_list("do_not_call", flat=True))
    assert Phone.objects.get(lead=other, number="+16025550187").wrong_number
    assert not Phone.objects.get(lead=listed, number="+16025550187").wrong_number
    for lead in Lead.objects.all():
        assert lead.best_phone != BEST
    assert Lead.objects.get(pk=other.pk).best_phone == ""  # its one clean number is listed


def test_it_never_makes_a_wrong_number_the_best_phone():
    lead = make_lead()
    make_phone(lead, BEST, score=100)
    make_phone(lead, "+16025550187", score=10)
    refresh_compliance(lead)
    phone_mark_wrong(lead=lead, number="602-555-0142", user_id=None)
    lead.refresh_from_db()
    assert lead.best_phone == "+16025550187"
    assert WrongNumber.objects.get().number == BEST


def test_the_migration_normalises_the_list_and_applies_it_to_phones():
    migration = importlib.import_module("leads.migrations.0007_do_not_call_e164")
    lead = make_lead(best_phone=BEST)
    make_phone(lead, BEST)
    DoNotCall.objects.create(number="(602) 555-0142")  # as admin used to store it

    migration.normalise_and_apply(apps, None)

    assert list(DoNotCall.objects.values_list("number", flat=True)) == [BEST]
    assert Phone.objects.get(number=BEST).do_not_call
    assert Lead.objects.get(pk=lead.pk).best_phone == ""


def test_it_normalises_numbers_marked_by_code_too():
    phone_mark_do_not_call(number="(602) 555-0142", user_id=None)
    phone_mark_do_not_call(number="+1 602 555 0142", user_id=None)
    assert list(DoNotCall.objects.values_list("number", flat=True)) == [BEST]
    with pytest.raises(ValueError):
        phone_mark_do_not_call(number="not a number", user_id=None)
    assert json.dumps(list(DoNotCall.objects.values("number"))) == json.dumps([{"number": BEST}])
