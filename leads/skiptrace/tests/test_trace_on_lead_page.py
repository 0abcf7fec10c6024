"""A trace from the lead page redraws the page's contacts, and a failed trace says it failed
(and whether it cost anything) instead of "Not traced yet"."""

from __future__ import annotations

import re

import pytest
import responses

from leads.models import BulkTraceJob, SkipTraceStatus
from leads.skiptrace.tests.test_skiptrace import BATCH_URL, JANE, answer, envelope, go_live
from leads.tests.factories import make_lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ON_PAGE = {"on": "lead-page"}


def must_find(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found, text
    return found


def run(client, lead, data=ON_PAGE):
    return client.post(f"/leads/{lead.pk}/skiptrace/run/", data, **HTMX)


def oob_contacts(html: str, lead) -> str:
    found = re.search(
        rf'<div id="contacts-{lead.pk}" class="contacts" hx-swap-oob="true">(.*?)</table>',
        html,
        re.DOTALL,
    )
    assert found, html
    return found.group(1)


def test_the_page_asks_the_modal_to_redraw_it(agent_client, settings):
    settings.SANDBOX_PROVIDERS = True
    lead = make_lead()

    page = agent_client.get(f"/leads/{lead.pk}/").text
    modal = agent_client.get(f"/leads/{lead.pk}/skiptrace/?on=lead-page", **HTMX).text

    assert "?on=lead-page" in page
    assert '<input type="hidden" name="on" value="lead-page">' in modal


def test_a_trace_redraws_the_lead_pages_contacts_and_badges(agent_client, settings):
    go_live(settings)
    lead = make_lead()
    with responses.RequestsMock() as mock:
        mock.post(BATCH_URL, json=answer(JANE))
        html = run(agent_client, lead).text

    contacts = oob_contacts(html, lead)
    assert "(602) 555-0142" in contacts and "Not traced yet" not in contacts
    assert f'<p id="lead-summary-{lead.pk}" class="lead-summary" hx-swap-oob="true">' in html
    assert html.count(f'id="contacts-{lead.pk}"') == 1  # the modal shows no second copy
    assert "The contacts on the lead page are updated." in html


def test_a_trace_from_a_table_row_leaves_the_contacts_in_the_modal(agent_client, settings):
    go_live(settings)
    lead = make_lead()
    with responses.RequestsMock() as mock:
        mock.post(BATCH_URL, json=answer(JANE))
        html = run(agent_client, lead, {"row": "plain"}).text

    assert "hx-swap-oob" in html  # the row
    assert f'<div id="contacts-{lead.pk}" class="contacts">' in html


def test_a_vendor_failure_says_so_and_that_it_cost_nothing(agent_client, settings):
    settings.SANDBOX_PROVIDERS = True
    faults.queue("batch", "401")
    lead = make_lead()

    response = run(agent_client, lead)

    assert response.status_code == 502
    html = response.text
    assert "Trace failed: Invalid token — not charged." in html
    assert "Not traced yet" not in html
    page = agent_client.get(f"/leads/{lead.pk}/").text
    assert "Trace failed: Invalid token — not charged." in page
    assert "Not traced yet" not in page


def test_a_timeout_says_it_was_charged_at_most(agent_client, settings):
    settings.SANDBOX_PROVIDERS = True
    faults.queue("batch", "timeout", count=10)
    lead = make_lead()

    html = run(agent_client, lead).text

    failed = must_find(r"Trace failed: [^<]*", html).group(0)
    assert "charged $0.07 (the most it can cost" in failed


def test_a_lead_the_vendor_could_not_process_is_shown_as_failed(agent_client, settings):
    go_live(settings)
    lead = make_lead()
    item_error = {**JANE, "meta": {"matched": False, "error": True}}
    with responses.RequestsMock() as mock:
        mock.post(BATCH_URL, json=answer(item_error))
        html = run(agent_client, lead).text

    lead.refresh_from_db()
    assert lead.skip_trace_status == SkipTraceStatus.ERROR
    assert (
        "Trace failed: BatchData could not process this owner&#x27;s record — not charged." in html
    )
    assert "Not traced yet" not in agent_client.get(f"/leads/{lead.pk}/").text


def test_a_later_good_trace_clears_the_failure(agent_client, settings):
    go_live(settings)
    lead = make_lead()
    with responses.RequestsMock() as mock:
        mock.post(BATCH_URL, json=envelope(403, "No rights"), status=403)
        run(agent_client, lead)
    with responses.RequestsMock() as mock:
        mock.post(BATCH_URL, json=answer(JANE))
        html = run(agent_client, lead).text

    assert "Trace failed" not in html
    assert "Trace failed" not in agent_client.get(f"/leads/{lead.pk}/").text


def test_the_bulk_summary_counts_vendor_errors_apart_from_no_matches(agent_client, agent):
    job = BulkTraceJob.objects.create(
        user=agent, total=4, processed=4, matched=1, no_match=1, errors=2, requests=1,
        status=BulkTraceJob.Status.DONE,
    )  # fmt: skip

    html = agent_client.get(f"/leads/bulk-skiptrace/{job.pk}/", **HTMX).text

    assert "1 matched · 1 no match · 2 errors · 0 free" in html
