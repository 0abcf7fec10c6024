"""The small pieces of lead markup that several pages show: the temperature badge, the phone
link, the fact badges (sandbox, sold, contactable, compliance, stacked lists) and the "On
<lists>" line. The board shows them on every one of hundreds of cards, so they are built here
in Python rather than in included templates (an include costs more than the card's whole
markup); the templates under `_fragments/` call these through `{% load badges %}`.

Each builder takes the values it shows, so the ones that depend on a few values are cached:
the same badge is built once however many cards wear it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import lru_cache

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from leads.lists.models import LeadList
from leads.models import Lead, Temperature
from leads.phones import display_phone

TEMPERATURE_LABELS = dict(Temperature.choices)
UNSCORED = mark_safe('<span class="badge badge-neutral">Unscored</span>')
SANDBOX = '<span class="badge badge-sandbox" title="Made-up data from the sandbox">Sandbox</span>'
SOLD = '<span class="badge badge-neutral" title="ATTOM reports a newer owner">Sold</span>'
CONTACTABLE = '<span class="badge pill-contactable">Contactable</span>'
LITIGATOR = (
    '<span class="badge badge-bad badge-litigator" title="Known TCPA litigator: never contact">'
    "Litigator</span>"
)
DNC = '<span class="badge badge-bad badge-dnc" title="Do not call or text">DNC</span>'


@lru_cache(maxsize=2048)
def temperature_badge(tag: str, score: int | None, scored_by: str) -> SafeString:
    """The lead's temperature and score, and who scored it; "Unscored" without a tag."""
    if not tag:
        return UNSCORED
    score_text = escape(score)
    return mark_safe(
        f'<span class="badge badge-{escape(tag)}" title="Score {score_text} '
        f'({escape(scored_by or "rules")})">{escape(TEMPERATURE_LABELS.get(tag, tag))} · '
        f"{score_text}</span>"
    )


def lead_temperature_badge(lead: Lead) -> SafeString:
    return temperature_badge(lead.temperature_tag, lead.ai_score, lead.scored_by)


@lru_cache(maxsize=8192)
def phone_link(number: str, badge: bool = False) -> SafeString:
    """A `tel:` link to a stored number, shown as people read it; `badge` styles it as one."""
    css = "phone-link badge badge-ok" if badge else "phone-link"
    return mark_safe(
        f'<a class="{css}" href="tel:{escape(number)}">{escape(display_phone(number))}</a>'
    )


@lru_cache(maxsize=256)
def _fact_badges(
    sandbox: bool, owns_property: bool, contactable: bool, litigator: bool, dnc: bool
) -> tuple[str, ...]:
    facts = [(sandbox, SANDBOX), (not owns_property, SOLD), (contactable, CONTACTABLE)]
    facts += [(litigator, LITIGATOR), (dnc, DNC)]  # never contact: the compliance badges
    return tuple(badge for shown, badge in facts if shown)


def lead_badges(lead: Lead, on_lists: Sequence[LeadList]) -> SafeString:
    """The lead's fact badges, and "Stacked × n" when it is on more than one list."""
    badges = list(
        _fact_badges(
            lead.sandbox, lead.owns_property, lead.contactable, lead.litigator, lead.dnc_flag
        )
    )
    if len(on_lists) > 1:
        names = escape(", ".join(item.name for item in on_lists))
        badges.append(
            f'<span class="badge badge-stacked" title="On {names}">Stacked × {len(on_lists)}</span>'
        )
    return mark_safe("\n".join(badges))


def lists_line(on_lists: Sequence[LeadList], list_url: Callable[[int], str]) -> SafeString:
    """ "On <list>, <list>" with a link to each list; nothing when the lead is on none."""
    if not on_lists:
        return mark_safe("")
    links = ", ".join(f'<a href="{list_url(item.pk)}">{escape(item.name)}</a>' for item in on_lists)
    return mark_safe(f'<div class="small muted lead-lists">On {links}</div>')


def id_url(name: str) -> Callable[[int], str]:
    """The URL of the page `name` for an id, reversed once: `reverse()` costs more than a
    whole card, and a board links hundreds of them."""
    marker = 987_654_321_987
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{int(pk)}{tail}"


def plain_escape(value: object) -> str:
    """Django's `escape()` (the same characters, the same entities) without its lazy-text
    wrapper, which cost a third of a board card: HTML built in Python (the board's cards,
    the leads tables' rows) escapes its many values with this."""
    return html.escape(str(value))
