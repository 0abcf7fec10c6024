"""The one phone-number normaliser: whatever a person, a dialer or an admin typed → E.164.

Stored phones, the do-not-call list and dialer files only ever meet in this form, so a
number entered as `(602) 555-0101` matches the `+16025550101` a trace stored.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "US"  # a number without a country code is a North American one
MAX_INPUT_LENGTH = 40  # longer is not a phone number; the parser need not see it


def normalize_phone(raw: object) -> str | None:
    """E.164 (`+16025550101`), or None when `raw` cannot be a phone number."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > MAX_INPUT_LENGTH or "\x00" in text:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ten_digit(e164: str) -> str:
    """A North American number without its country code (`6025550101`), as some dialers
    import it; any other number stays in E.164."""
    if e164.startswith("+1") and len(e164) == 12:
        return e164[2:]
    return e164


@lru_cache(maxsize=8192)  # a page shows the same few hundred numbers again and again
def display_phone(e164: str) -> str:
    """How people read a stored number: national format for a US number (`(602) 555-0143`),
    international for any other (`+44 20 7946 0958`); text that does not parse is shown as it is.
    Exports and `tel:` links keep the E.164 form."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    # A +1 number no region claims (a made-up area code) still reads best the US way.
    if number.country_code == 1 and region in (DEFAULT_REGION, None):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
