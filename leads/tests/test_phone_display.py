"""Phones read the way people write them; the stored E.164 form stays for links and files."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from leads.phones import display_phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+16025550143", "(602) 555-0143"),
        ("+15551234567", "(555) 123-4567"),  # no region claims it: still a +1 number
        ("+442079460958", "+44 20 7946 0958"),
        ("+16045550143", "+1 604-555-0143"),  # Canada: not a US number
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_it_shows_us_numbers_nationally_and_others_internationally(stored, shown):
    assert display_phone(stored) == shown


def test_it_links_a_phone_to_its_e164_form():
    html = Template('{% include "_fragments/phone_link.html" with number=n %}').render(
        Context({"n": "+16025550143"})
    )

    assert html.strip() == '<a class="phone-link" href="tel:+16025550143">(602) 555-0143</a>'
