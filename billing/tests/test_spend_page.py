from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from billing.chart import _nice_ceiling, spend_chart
from billing.models import LedgerEntry
from billing.tests.test_analytics import NOW, TODAY, build_leads, build_ledger
from billing.views import LEDGER_PAGE_SIZE

pytestmark = pytest.mark.django_db

ADMIN_CAPS = "/admin/billing/dailycap/"
ADMIN_PRICES = "/admin/billing/priceoverride/"


@pytest.fixture
def frozen(settings):
    settings.TIME_ZONE = "America/Phoenix"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(frozen):
    build_ledger()
    build_leads()


def stat(html: str, stat_id: str) -> str:
    """The text of one stat card, tags stripped."""
    start = html.index(f'id="{stat_id}"')
    card = re.split(r'<div class="stat"|</section>', html[start:], maxsplit=1)[0]
    return " ".join(re.sub(r"<[^>]+>|^[^>]*>", " ", card).split())


@pytest.mark.usefixtures("world")
def test_it_shows_todays_spend_against_each_cap(agent_client):
    html = agent_client.get("/spend/").content.decode()

    assert stat(html, "today-attom").startswith("ATTOM $0.15 of $15.00 cap")
    assert 'class="cap-meter cap-ok" min="0" max="15000000" low="12000000" high="14999999"' in html
    assert 'value="150000"' in html
    assert "3 requests · 2 cache hits · 1 error" in stat(html, "today-attom")
    assert "1 refused" in stat(html, "today-batch")
    assert stat(html, "today-twilio").startswith("Twilio Lookup $0.01 of $5.00 cap")
    assert '<div class="bar">' not in html
    assert "style=" not in html  # the CSP forbids inline styles


@pytest.mark.usefixtures("world")
def test_it_shows_the_periods_figures(agent_client):
    html = agent_client.get("/spend/?days=7").content.decode()

    assert "Last 7 days" in html
    assert "$1.41" in stat(html, "total-spend")
    assert "$0.47" in stat(html, "cost-per-contactable")
    assert "target under $0.50" in stat(html, "cost-per-contactable")
    assert "On target" in stat(html, "cost-per-contactable")
    assert "0.4" in stat(html, "contactable-per-day")  # 3 leads / 7 days
    assert "target 50+ a day" in stat(html, "contactable-per-day")
    assert "75.0%" in stat(html, "valid-phone-share")
    assert "target 80.0%+" in stat(html, "valid-phone-share")
    assert "80.0%" in stat(html, "skip-trace-hit-rate")
    assert "50.0%" in stat(html, "cache-hit-rate")
    assert "77.8%" in stat(html, "success-rate")
    assert "839 ms" in stat(html, "average-latency")
    assert stat(html, "refusals").endswith("1")


@pytest.mark.usefixtures("world")
def test_it_draws_the_svg_chart_with_a_legend(agent_client):
    html = agent_client.get("/spend/?days=7").content.decode()

    svg = html[
        html.index('<svg class="spend-chart"') : html.index("</svg>", html.index("spend-chart"))
    ]
    assert 'role="img"' in svg
    assert '<title id="spend-chart-title">Spend per provider per day, last 7 days</title>' in svg
    assert "<desc" in svg
    # Mar 4 batch, Mar 8 attom + openai, Mar 10 attom + batch + twilio
    assert svg.count("<rect ") == 6
    assert "<title>Mar 8: OpenAI &lt;$0.01</title>" in svg
    for provider in ("attom", "batch", "twilio", "openai"):
        assert f'<rect class="series-{provider}" width="12"' in html  # the legend
    assert html.count("<tr><td>") >= 7  # the table behind the chart


def test_it_scales_the_chart_to_a_round_amount():
    assert _nice_ceiling(0) == 10_000
    assert _nice_ceiling(10_001) == 20_000
    assert _nice_ceiling(1_409_234) == 2_000_000
    assert _nice_ceiling(3_000_000) == 5_000_000


def test_it_stacks_a_days_bars_on_each_other():
    chart = spend_chart(
        [
            {
                "date": dt.date(2026, 3, 10),
                "attom": 500_000,
                "batch": 500_000,
                "twilio": 0,
                "openai": 0,
            }
        ]
    )

    attom, batch = chart.bars
    assert attom.y + attom.height == pytest.approx(chart.plot_bottom)
    assert batch.y + batch.height == pytest.approx(attom.y)
    assert attom.height == pytest.approx(batch.height)
    assert [label.text for label in chart.y_labels] == ["$0.00", "$0.25", "$0.50", "$0.75", "$1.00"]


@pytest.mark.usefixtures("frozen")
def test_it_says_when_there_is_no_spend(agent_client):
    html = agent_client.get("/spend/").content.decode()

    assert "No spend in this period." in html
    assert "No ledger rows match." in html
    assert "No data" in stat(html, "cost-per-contactable")


@pytest.mark.usefixtures("world")
def test_it_hides_admin_links_from_agents(agent_client):
    html = agent_client.get("/spend/").content.decode()

    assert ADMIN_CAPS not in html
    assert ADMIN_PRICES not in html


@pytest.mark.usefixtures("world")
def test_it_links_staff_to_caps_and_prices_in_admin(admin_client):
    html = admin_client.get("/spend/").content.decode()

    assert reverse("admin:billing_dailycap_changelist") == ADMIN_CAPS
    assert f'href="{ADMIN_CAPS}"' in html
    assert f'href="{ADMIN_PRICES}"' in html


@pytest.mark.usefixtures("world")
def test_it_filters_the_ledger_in_a_partial_for_htmx(agent_client):
    response = agent_client.get(
        "/spend/",
        {"provider": "batch", "day": "2026-03-10", "show": "all"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert "<html" not in html and "spend-chart" not in html
    assert 'id="ledger-table"' in html
    assert "4 rows" in html
    assert html.count("<tr><td>") == 4
    assert "Refused by the daily cap" in html


@pytest.mark.usefixtures("world")
def test_it_renders_the_whole_page_with_filters_without_htmx(agent_client):
    response = agent_client.get("/spend/", {"outcome": "cached"})

    html = response.content.decode()
    assert "<html" in html and "spend-chart" in html
    assert 'hx-get="/spend/"' in html and 'hx-target="#ledger"' in html
    assert '<option value="cached" selected>' in html
    assert "3 rows" in html


@pytest.mark.usefixtures("frozen")
def test_it_pages_the_ledger_keeping_the_filters(agent_client):
    LedgerEntry.objects.bulk_create(
        LedgerEntry(provider="attom", operation="property_search", outcome="cached", day=TODAY)
        for _ in range(LEDGER_PAGE_SIZE + 5)
    )
    LedgerEntry.objects.create(
        provider="batch", operation="skip_trace", outcome="success", day=TODAY
    )

    first = agent_client.get("/spend/?provider=attom&show=all", headers={"HX-Request": "true"})
    second = agent_client.get(
        "/spend/?provider=attom&show=all&page=2", headers={"HX-Request": "true"}
    )

    first_html, second_html = first.content.decode(), second.content.decode()
    assert "Page 1 of 2" in first_html
    assert 'hx-get="?provider=attom&amp;show=all&amp;page=2"' in first_html
    assert first_html.count("<tr><td>") == LEDGER_PAGE_SIZE
    assert "Page 2 of 2" in second_html
    assert second_html.count("<tr><td>") == 5
    assert 'hx-get="?provider=attom&amp;show=all&amp;page=1"' in second_html
    assert "skip_trace" not in first_html + second_html


def test_it_rejects_a_bad_filter_with_400(agent_client):
    response = agent_client.get(
        "/spend/?outcome=nonsense&day=yesterday", headers={"HX-Request": "true"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Outcome:" in html and "Day:" in html


def test_it_falls_back_to_thirty_days_on_a_bad_period(agent_client):
    response = agent_client.get("/spend/?days=abc")

    assert response.status_code == 400
    assert "Showing the last 30 days." in response.content.decode()


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/spend/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("spent", "level"),
    [(0, "ok"), (7_999_999, "ok"), (8_000_000, "warn"), (9_990_000, "warn"), (10_000_000, "over")],
)
def test_it_colours_a_cap_bar_by_how_full_the_cap_is(spent, level):
    from billing.analytics import cap_level

    assert cap_level(spent, 10_000_000) == level


@pytest.mark.usefixtures("frozen")
def test_it_marks_a_nearly_spent_cap_as_a_warning(agent_client, settings):
    from billing.models import DailyCap

    DailyCap.objects.create(provider="attom", cap_micros=150_100)
    build_ledger()
    html = agent_client.get("/spend/").content.decode()

    assert 'class="cap-meter cap-warn"' in html  # $0.15 of $0.1501: 99.9 %, not green


@pytest.mark.usefixtures("world")
def test_it_names_vendors_as_agents_know_them(agent_client):
    html = agent_client.get("/spend/?days=7&show=all").content.decode()
    ledger = html[html.index('id="ledger-table"') :]

    assert ">BatchData<" in ledger or ">BatchData " in ledger
    assert "<td>batch" not in ledger and "<td>attom" not in ledger
    assert "<td>Twilio Lookup</td>" in html[html.index('id="provider-health"') :]


@pytest.mark.usefixtures("world")
def test_it_opens_the_ledger_on_paid_calls_and_shows_every_row_on_request(agent_client):
    paid = LedgerEntry.objects.exclude(cost_micros=0).count()
    every = LedgerEntry.objects.count()
    assert 0 < paid < every

    default = agent_client.get("/spend/").content.decode()
    everything = agent_client.get("/spend/?show=all").content.decode()
    cached = agent_client.get("/spend/?outcome=cached").content.decode()

    assert f"{paid} rows, newest first — paid calls only" in default
    assert f"{every} rows, newest first." in everything
    assert "Answered from cache" in cached  # an outcome asked for by name is shown
