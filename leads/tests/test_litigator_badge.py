"""A known TCPA litigator is named as such wherever a DNC badge is shown, not only as DNC."""

from __future__ import annotations

import pytest

from leads.tests.factories import make_lead, make_phone

LITIGATOR = '<span class="badge badge-bad badge-litigator"'


@pytest.fixture
def litigator():
    lead = make_lead(owner_name="Sue Often", litigator=True, dnc_flag=True)
    make_phone(lead, "+16025550143")
    return lead


@pytest.mark.parametrize("url", ["/leads/", "/pipeline/"])
def test_it_badges_a_litigator_in_lists_and_on_the_board(agent_client, litigator, url):
    html = agent_client.get(url).text

    assert LITIGATOR in html
    assert ">DNC</span>" in html


def test_it_badges_a_litigator_on_the_lead_page_and_each_phone(agent_client, litigator):
    html = agent_client.get(f"/leads/{litigator.pk}/").text

    assert html.count(LITIGATOR) == 2  # the lead's badges and the phone's row


def test_it_gives_no_litigator_badge_to_an_owner_who_is_not_one(agent_client):
    make_lead(owner_name="Pat Quiet", dnc_flag=True)

    html = agent_client.get("/leads/").text

    assert ">DNC</span>" in html and LITIGATOR not in html
