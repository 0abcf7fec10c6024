from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leads.models import DoNotCall, Lead
from leads.serializers import phone_json
from leads.skiptrace.compliance import (
    best_phone,
    owner_mark_do_not_call,
    phone_mark_do_not_call,
    refresh_compliance,
)
from leads.tests.factories import make_email, make_lead, make_phone

pytestmark = pytest.mark.django_db

STALE = timezone.now() - dt.timedelta(days=40)


def best(lead: Lead) -> str | None:
    phone = best_phone(lead, list(lead.phones.all()))
    return phone.number if phone else None


def test_it_never_picks_a_dnc_number():
    lead = make_lead()
    make_phone(lead, "+16025550101", dnc=True, score=100)
    make_phone(lead, "+16025550102", dnc=False, score=10, line_type="landline")
    assert best(lead) == "+16025550102"


def test_it_never_picks_a_litigators_number():
    lead = make_lead()
    make_phone(lead, "+16025550101", litigator=True, score=100)
    assert best(lead) is None


def test_it_picks_nothing_for_a_litigator_owner():
    lead = make_lead(litigator=True)
    make_phone(lead, "+16025550101")
    assert best(lead) is None


def test_it_never_picks_an_invalid_number():
    lead = make_lead()
    make_phone(lead, "+16025550101", valid=False, score=100)
    make_phone(lead, "+16025550102", score=20)
    assert best(lead) == "+16025550102"


def test_it_never_picks_a_number_marked_do_not_call():
    lead = make_lead()
    make_phone(lead, "+16025550101", do_not_call=True, score=100)
    assert best(lead) is None


def test_it_prefers_a_known_clean_dnc_status_over_an_unknown_one():
    lead = make_lead()
    make_phone(lead, "+16025550101", dnc=None, score=100)
    make_phone(lead, "+16025550102", dnc=False, score=10, line_type="landline", reachable=False)
    assert best(lead) == "+16025550102"


def test_it_treats_a_stale_dnc_check_like_an_unknown_one():
    lead = make_lead()
    make_phone(lead, "+16025550101", dnc=False, dnc_checked_at=STALE, score=100)
    make_phone(lead, "+16025550102", dnc=False, score=10)
    assert best(lead) == "+16025550102"


def test_it_falls_back_to_an_unknown_dnc_status_when_nothing_clean_qualifies():
    lead = make_lead()
    make_phone(lead, "+16025550101", dnc=True)
    make_phone(lead, "+16025550102", dnc=None, dnc_checked_at=None)
    assert best(lead) == "+16025550102"


def test_it_prefers_reachable_then_mobile_then_score():
    lead = make_lead()
    make_phone(lead, "+16025550101", reachable=False, score=100)
    make_phone(lead, "+16025550102", line_type="landline", score=99)
    make_phone(lead, "+16025550103", line_type="mobile", score=50)
    make_phone(lead, "+16025550104", line_type="mobile", score=70)
    assert best(lead) == "+16025550104"


def test_it_flags_a_lead_whose_every_phone_is_dnc_or_litigator():
    lead = make_lead()
    make_phone(lead, "+16025550101", dnc=True)
    make_phone(lead, "+16025550102", litigator=True)
    refresh_compliance(lead)
    assert (lead.dnc_flag, lead.contactable, lead.best_phone) == (True, False, "")


def test_it_is_contactable_with_an_email_only():
    lead = make_lead()
    make_email(lead, "owner@example.com")
    refresh_compliance(lead)
    assert (lead.dnc_flag, lead.contactable) == (False, True)


def test_it_is_not_contactable_without_phones_or_emails():
    lead = make_lead()
    refresh_compliance(lead)
    assert (lead.dnc_flag, lead.contactable) == (False, False)


def test_it_marks_a_number_do_not_call_on_every_lead_holding_it():
    first, second = make_lead(), make_lead()
    for lead in (first, second):
        make_phone(lead, "+16025550101")
        refresh_compliance(lead)
    phone_mark_do_not_call(number="+16025550101", user_id=None)
    for lead in (first, second):
        lead.refresh_from_db()
        assert (lead.best_phone, lead.contactable) == ("", False)
    assert DoNotCall.objects.filter(number="+16025550101").count() == 1


def test_it_marks_an_owner_do_not_call_across_their_properties():
    first = make_lead(normalized_owner="SMITH JOHN", normalized_mailing="PO BOX 1||85001")
    second = make_lead(normalized_owner="SMITH JOHN", normalized_mailing="PO BOX 1||85001")
    make_phone(first, "+16025550101")
    owner_mark_do_not_call(lead=first, user_id=None)
    second.refresh_from_db()
    assert second.do_not_call and second.dnc_flag


def test_it_calls_a_dnc_status_stale_only_when_a_check_is_older_than_31_days():
    lead = make_lead()
    fresh = make_phone(lead, "+16025550101")
    old = make_phone(lead, "+16025550102", dnc_checked_at=STALE)
    unknown = make_phone(lead, "+16025550103", dnc=None, dnc_checked_at=None)
    assert [phone_json(p)["stale"] for p in (fresh, old, unknown)] == [False, True, False]
    assert phone_json(unknown)["dnc"] is None  # unknown, not stale and never "clean"
