"""The pipeline board's cards for its templates: `{% load board %}{% board_cards cards %}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from leads.models import Lead
from leads.pipeline.cards import CardBoard, cards_html

register = template.Library()
RENDER_KEY = "pipeline_card_board"


@register.simple_tag(takes_context=True)
def board_cards(context: template.Context, cards: list[Lead]) -> SafeString:
    """The cards' HTML; what they share is worked out at the first column of a render."""
    board = context.render_context.get(RENDER_KEY)
    if board is None:
        board = CardBoard.build(
            csrf_token=context.get("csrf_token", ""), filter_query=context.get("filter_query", "")
        )
        context.render_context[RENDER_KEY] = board
    return cards_html(cards, board)
