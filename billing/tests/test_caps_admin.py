"""Django admin's daily caps: every provider's cap in force, not only the overrides."""

from __future__ import annotations

import pytest

from billing.caps import spend_day
from billing.models import DailyCap, SpendDay

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/billing/dailycap/"


@pytest.fixture(autouse=True)
def caps(settings):
    settings.DAILY_CAP_MICROS = {
        "attom": 15_000_000,
        "batch": 20_000_000,
        "twilio": 5_000_000,
        "openai": 5_000_000,
    }


def in_force_table(html: str) -> str:
    return html[
        html.index('id="caps-in-force"') : html.index("</table>", html.index("caps-in-force"))
    ]


def test_it_lists_every_providers_cap_in_force_with_no_override(admin_client):
    html = admin_client.get(CHANGELIST).content.decode()

    table = in_force_table(html)
    for label, cap in (("ATTOM", "$15.00"), ("BatchData", "$20.00"), ("Twilio Lookup", "$5.00")):
        assert f"<td>{label}</td><td>{cap}</td>" in table
    assert "the environment (DAILY_CAP_ATTOM_CENTS)" in table
    assert "0 daily cap overrides" in html


def test_it_shows_an_override_as_the_cap_in_force_and_todays_spend(admin_client):
    DailyCap.objects.create(provider="batch", cap_micros=3_000_000)
    SpendDay.objects.create(provider="batch", day=spend_day(), settled_micros=1_260_000)

    table = in_force_table(admin_client.get(CHANGELIST).content.decode())

    assert "<td>BatchData</td><td>$3.00</td><td>an admin override</td><td>$1.26</td>" in table


def test_the_form_says_which_cap_is_in_force(admin_client):
    cap = DailyCap.objects.create(provider="attom", cap_micros=2_500_000)

    change = admin_client.get(f"{CHANGELIST}{cap.pk}/change/").content.decode()
    add = admin_client.get(f"{CHANGELIST}add/").content.decode()

    assert "In force now: ATTOM $2.50 from an admin override, $0.00 spent today." in change
    assert "BatchData $20.00 from the environment (DAILY_CAP_BATCH_CENTS)" in add
