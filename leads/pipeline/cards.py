"""The board's cards as HTML, built in Python: a 20,000-lead board shows 175 cards or more,
and the template engine spent most of the page's time on them (an include and a dozen tags
per card). What every card shares (the Move menu of each stage, the move form's URL and
CSRF token, the filter, today) is worked out once per board in `CardBoard`; a card then
fills in its own values, each escaped.

A card: its owner and address (a link to the lead), a checkbox for assigning, its badges,
the Move menu (a form per card, for keyboard and phone users; dragging posts `#drop-form`),
the lists it is on, its agent and its next task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from leads import badges
from leads.models import Lead, Stage, lists_of

CARD = """<li class="kcard temp-{temperature}" data-lead-id="{pk}" data-stage="{stage}" \
data-position="{position}">
          <div class="card-head">
            <input type="checkbox" name="lead" value="{pk}" form="board-assign-form" \
class="card-select" aria-label="Select {name}">
            <div class="owner">{owner}</div>
          </div>
          <div class="small"><a href="{url}">{street}</a>, {city}</div>
          <div class="card-foot">
            <div class="card-badges">{temperature_badge}{phone}
            {badges}
</div>
            <details class="move-menu">
              <summary aria-label="Move {name} to another stage">Move</summary>
              <form method="post" action="{move_url}" hx-post="{move_url}" hx-target="#board" \
data-board-form>
                  <input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">\
<input type="hidden" name="lead" value="{pk}"><input type="hidden" name="position" value="0">
                  <input type="hidden" name="expected_stage" value="{stage}">\
<input type="hidden" name="expected_position" value="{position}">
                  <input type="hidden" name="filter" value="{filter_query}">
                  {menu}
                </form>
            </details>
          </div>
          {lists}
          {assignee}
          {next_task}
        </li>
"""


escape = badges.plain_escape


MENU_ITEM = '<li><button type="submit" name="stage" value="{}">{}</button></li>'


@dataclass(frozen=True)
class CardBoard:
    """What every card of one board shares, escaped once."""

    move_url: str
    csrf_token: str
    filter_query: str
    today: dt.date
    menus: dict[str, str]  # stage: the Move menu of a card in that stage (every other stage)
    lead_url: Callable[[int], str]
    list_url: Callable[[int], str]

    @classmethod
    def build(cls, *, csrf_token: object, filter_query: object) -> CardBoard:
        return cls(
            move_url=escape(reverse("pipeline-move")),
            csrf_token=escape(csrf_token),
            filter_query=escape(filter_query),
            today=timezone.localdate(),
            menus={stage: _menu(stage) for stage in Stage.values},
            lead_url=badges.id_url("lead-detail"),
            list_url=badges.id_url("list-detail"),
        )


def _menu(stage: str) -> str:
    items = "".join(
        MENU_ITEM.format(escape(value), escape(label))
        for value, label in Stage.choices
        if value != stage
    )
    return f'<ul class="menu" aria-label="Move to">{items}</ul>'


def cards_html(cards: Iterable[Lead], board: CardBoard) -> SafeString:
    return mark_safe("".join(card_html(lead, board) for lead in cards))


def card_html(lead: Lead, board: CardBoard) -> str:
    name = escape(lead.owner_name or lead.street)
    street = f"{lead.street} {lead.unit}" if lead.unit else lead.street
    on_lists = lists_of(lead)
    return CARD.format(
        temperature=escape(lead.temperature_tag or "none"),
        pk=lead.pk,
        stage=escape(lead.stage),
        position=lead.position,
        name=name,
        owner=escape(lead.owner_name or "Unknown owner"),
        url=board.lead_url(lead.pk),
        street=escape(street),
        city=escape(lead.city),
        temperature_badge=badges.lead_temperature_badge(lead) + "\n",
        phone=f" {badges.phone_link(lead.best_phone, True)}\n" if lead.best_phone else "",
        badges=badges.lead_badges(lead, on_lists),
        move_url=board.move_url,
        csrf_token=board.csrf_token,
        filter_query=board.filter_query,
        menu=board.menus.get(lead.stage) or _menu(lead.stage),
        lists=badges.lists_line(on_lists, board.list_url) if len(on_lists) == 1 else "",
        assignee=_assignee(lead),
        next_task=_next_task(lead, board.today),
    )


def _assignee(lead: Lead) -> str:
    agent = lead.assigned_to if lead.assigned_to_id else None
    if agent is None:
        return ""
    return f'<div class="assignee">Agent: {escape(agent.username)}</div>'


def _next_task(lead: Lead, today: dt.date) -> str:
    task = getattr(lead, "next_task", None)
    if not task:
        return ""
    overdue = " overdue" if task.due < today else ""
    due = escape(date_format(task.due, "M j"))
    return f'<div class="next-task{overdue}">Next: {escape(task.title)} · {due}</div>'
