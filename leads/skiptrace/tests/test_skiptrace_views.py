"""The skip-trace modal, do-not-call marks and the bulk-trace views (HTML partials)."""

from __future__ import annotations

import pytest
import responses
from django.utils import timezone

from billing.money import format_dollars
from leads.models import BulkTraceJob, DoNotCall, SkipTraceStatus
from leads.skiptrace.costs import trace_max_cost
from leads.skiptrace.tests.test_skiptrace import (
    BATCH_URL,
    JANE,
    PRICE,
    after_a_burst,
    answer,
    go_live,
    set_cap,
)
from leads.tests.factories import make_lead, make_phone
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def wire(settings):
    go_live(settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(BATCH_URL, json=answer(JANE))
        yield mock


def traced_lead(**fields):
    lead = make_lead(
        skip_trace_status=SkipTraceStatus.MATCHED,
        skip_traced_at=timezone.now(),
        skip_trace_provider="batchdata",
        **fields,
    )
    make_phone(lead, "+16025550142", score=100)
    make_phone(lead, "+16025550187", line_type="landline", score=50)
    return lead


# -- the one-lead modal --------------------------------------------------------------------


def test_it_shows_the_price_before_a_first_trace(agent_client, wire):
    lead = make_lead()

    response = agent_client.get(f"/leads/{lead.pk}/skiptrace/", **HTMX)

    assert response.status_code == 200
    html = response.text
    assert "$0.07 if BatchData finds the owner (a no-match is free)" in html
    assert f"At most <strong>{format_dollars(trace_max_cost(1).total_micros, up=True)}" in html
    assert "budget left: $20.00 of $20.00" in html
    assert f'hx-post="/leads/{lead.pk}/skiptrace/run/"' in html
    assert "Already traced" not in html


def test_it_says_a_recent_trace_is_free(agent_client, wire):
    lead = traced_lead()

    html = agent_client.get(f"/leads/{lead.pk}/skiptrace/", **HTMX).text

    assert "Already traced on" in html and "— free" in html
    assert "Trace again anyway (up to $0.07)" in html
    assert "Costs $0.07" not in html


def test_it_says_a_traced_owner_is_free(agent_client, wire):
    owner = {"normalized_owner": "SAMPLE JANE", "normalized_mailing": "161 SHERIDAN BLVD||11501"}
    first = traced_lead(**owner)
    second = make_lead(**owner)

    html = agent_client.get(f"/leads/{second.pk}/skiptrace/", **HTMX).text

    assert f"This owner was already traced for {first.address_line} — free." in html


def test_it_needs_a_login_for_the_modal(client, wire):
    response = client.get(f"/leads/{make_lead().pk}/skiptrace/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_runs_a_trace_and_shows_the_contacts_with_badges(agent_client, wire):
    lead = make_lead()

    response = agent_client.post(f"/leads/{lead.pk}/skiptrace/run/", **HTMX)

    assert response.status_code == 200
    html = response.text
    assert "Skip trace result" in html
    assert "Cost $0.07" in html
    # People read national numbers; the tel: link dials the stored E.164 form.
    assert (
        'Best phone <a class="phone-link badge badge-ok" href="tel:+16025550142">(602) 555-0142</a>'
        in html
    )
    assert '<a class="phone-link" href="tel:+16025550187">(602) 555-0187</a>' in html
    assert ">+16025550187<" not in html
    assert '<span class="badge badge-bad">DNC</span>' in html
    assert '<span class="badge badge-ok">DNC clear</span>' in html
    assert "Contactable" in html
    assert "jane.sample@example.com" in html
    assert len(wire.calls) == 1


@pytest.mark.parametrize(("row", "checkbox"), [("selectable", True), ("plain", False)])
def test_it_updates_the_row_the_modal_was_opened_from(agent_client, wire, row, checkbox):
    lead = make_lead()
    modal = agent_client.get(f"/leads/{lead.pk}/skiptrace/?row={row}", **HTMX).text
    assert f'name="row" value="{row}"' in modal

    html = agent_client.post(f"/leads/{lead.pk}/skiptrace/run/", {"row": row}, **HTMX).text

    assert f'<tr id="lead-{lead.pk}" hx-swap-oob="true">' in html
    assert ('class="row-select"' in html) is checkbox


@pytest.mark.parametrize("row", ["", "nonsense"])
def test_it_swaps_no_row_when_the_page_has_none(agent_client, wire, row):
    lead = make_lead()

    html = agent_client.post(f"/leads/{lead.pk}/skiptrace/run/", {"row": row}, **HTMX).text

    assert "hx-swap-oob" not in html and "+16025550142" in html


def test_it_shows_a_stored_result_for_free(agent_client, wire):
    lead = traced_lead()

    html = agent_client.post(f"/leads/{lead.pk}/skiptrace/run/", **HTMX).text

    assert '<span class="badge badge-ok">Free</span> already traced — free' in html
    assert "+16025550142" in html
    assert len(wire.calls) == 0


def test_it_traces_again_when_asked_to(agent_client, wire):
    lead = traced_lead()

    with after_a_burst():  # a forced trace moments after another joins it
        html = agent_client.post(f"/leads/{lead.pk}/skiptrace/run/", {"force": "1"}, **HTMX).text

    assert "Cost $0.07" in html
    assert len(wire.calls) == 1


def test_it_shows_the_cap_message_with_429(agent_client, wire, settings):
    set_cap(settings, "batch", PRICE - 1)
    lead = make_lead()

    response = agent_client.post(f"/leads/{lead.pk}/skiptrace/run/", **HTMX)

    assert response.status_code == 429
    assert "Today&#x27;s BatchData budget is spent ($0.00 of $0.07)" in response.text
    assert 'role="alert"' in response.text
    assert len(wire.calls) == 0


def test_it_says_when_skip_tracing_is_off(agent_client, settings):
    settings.SANDBOX_PROVIDERS, settings.BATCHDATA_API_KEY = False, ""

    response = agent_client.post(f"/leads/{make_lead().pk}/skiptrace/run/", **HTMX)

    assert response.status_code == 409
    assert "Skip tracing is off" in response.text


def test_it_shows_a_vendor_failure_with_502(agent_client, settings):
    settings.SANDBOX_PROVIDERS = True
    faults.queue("batch", "401")

    response = agent_client.post(f"/leads/{make_lead().pk}/skiptrace/run/", **HTMX)

    assert response.status_code == 502
    assert "Trace failed: Invalid token — not charged." in response.text


def test_it_only_runs_a_trace_on_post(agent_client, wire):
    response = agent_client.get(f"/leads/{make_lead().pk}/skiptrace/run/")

    assert response.status_code == 405
    assert len(wire.calls) == 0


# -- do-not-call marks ---------------------------------------------------------------------


def test_it_marks_a_number_do_not_call(agent_client, agent):
    lead = traced_lead()

    response = agent_client.post(
        f"/leads/{lead.pk}/do-not-call/", {"number": "+16025550142"}, **HTMX
    )

    assert response.status_code == 200
    assert '<span class="badge badge-bad">Do not call</span>' in response.text
    entry = DoNotCall.objects.get()
    assert (entry.number, entry.created_by_id) == ("+16025550142", agent.pk)
    assert lead.phones.get(number="+16025550142").do_not_call
    lead.refresh_from_db()
    assert lead.best_phone == "+16025550187"


def test_it_refuses_to_mark_a_number_the_lead_does_not_have(agent_client):
    lead = traced_lead()

    response = agent_client.post(f"/leads/{lead.pk}/do-not-call/", {"number": "+14805550100"})

    assert response.status_code == 400
    assert not DoNotCall.objects.exists()


def test_it_marks_the_owner_do_not_call(agent_client):
    owner = {"normalized_owner": "SAMPLE JANE", "normalized_mailing": "161 SHERIDAN BLVD||11501"}
    lead = traced_lead(**owner)
    other_property = traced_lead(**owner)

    response = agent_client.post(
        f"/leads/{lead.pk}/do-not-call/", {"owner": "1", "confirm": "1"}, **HTMX
    )

    assert response.status_code == 200
    assert "Do not call or text this owner." in response.text
    for marked in (lead, other_property):
        marked.refresh_from_db()
        assert marked.do_not_call and marked.dnc_flag and marked.best_phone == ""


def test_it_asks_before_marking_the_owner_do_not_call(agent_client):
    lead = traced_lead(normalized_owner="SAMPLE JANE", normalized_mailing="1 A ST||11501")
    page = agent_client.get(f"/leads/{lead.pk}/").text
    assert ">Mark as do not call…</button>" in page
    assert "Owner asked not to be called" not in page

    response = agent_client.post(f"/leads/{lead.pk}/do-not-call/", {"owner": "1"}, **HTMX)

    assert response.status_code == 200
    html = response.text
    assert "as do not call?</strong>" in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert ">Yes, mark as do not call</button>" in html and ">Cancel</a>" in html
    lead.refresh_from_db()
    assert not lead.do_not_call and not DoNotCall.objects.exists()


def test_it_asks_what_to_mark(agent_client):
    response = agent_client.post(f"/leads/{traced_lead().pk}/do-not-call/", {})

    assert response.status_code == 400


# -- bulk ----------------------------------------------------------------------------------


def test_it_asks_for_a_selection_before_a_bulk_preview(agent_client):
    response = agent_client.post("/leads/bulk-skiptrace/preview/", {}, **HTMX)

    assert response.status_code == 400
    assert "Choose at least one lead" in response.text


def test_it_refuses_lead_ids_that_are_not_numbers(agent_client):
    response = agent_client.post("/leads/bulk-skiptrace/preview/", {"lead": ["1", "x"]}, **HTMX)

    assert response.status_code == 400
    assert "Lead ids must be numbers." in response.text


def test_it_previews_a_bulk_trace(agent_client, settings):
    settings.SANDBOX_PROVIDERS = True
    fresh = traced_lead()
    others = [make_lead() for _ in range(3)]

    response = agent_client.post(
        "/leads/bulk-skiptrace/preview/",
        {"lead": [fresh.pk] + [lead.pk for lead in others]},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.text
    assert "<strong>4</strong> leads selected" in html
    assert "<strong>1</strong> already traced — free" in html
    # the fresh lead's two unchecked phones are checked too, though its trace is free
    most = format_dollars(trace_max_cost(3, stored_unchecked=2).total_micros, up=True)
    assert f"<strong>3</strong> to trace, at most <strong>{most}</strong>" in html
    assert "BatchData $0.21 ($0.07 per match" in html
    assert "line-type checks $0.14 (up to 17 at $0.0080 per lookup)" in html
    assert "Today's skip-trace budget left: <strong>$20.00</strong>" in html.replace("&#x27;", "'")
    assert f'<input type="hidden" name="lead" value="{fresh.pk}">' in html


def test_it_previews_every_lead_matching_the_filter(agent_client, settings):
    settings.SANDBOX_PROVIDERS = True
    for _ in range(2):
        make_lead(zip_code="85008")
    make_lead(zip_code="85034")

    response = agent_client.post(
        "/leads/bulk-skiptrace/preview/", {"all_matching": "1", "filter": "zip=85008"}, **HTMX
    )

    assert response.status_code == 200
    assert "<strong>2</strong> leads selected" in response.text


def test_it_starts_a_bulk_trace_and_shows_its_progress(
    agent_client, agent, settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_PROVIDERS = True
    leads = [make_lead() for _ in range(3)]

    with django_capture_on_commit_callbacks() as callbacks:
        response = agent_client.post(
            "/leads/bulk-skiptrace/", {"lead": [lead.pk for lead in leads]}, **HTMX
        )

    assert response.status_code == 200
    job = BulkTraceJob.objects.get()
    assert (job.total, job.user_id, job.status) == (3, agent.pk, BulkTraceJob.Status.QUEUED)
    assert len(callbacks) == 1  # the task is enqueued once the job row is committed
    html = response.text
    assert "Queued — 0 of 3" in html
    assert f'hx-get="/leads/bulk-skiptrace/{job.pk}/"' in html  # the partial polls


def test_it_reports_a_finished_job(agent_client, agent):
    job = BulkTraceJob.objects.create(
        user=agent,
        total=3,
        processed=3,
        matched=2,
        no_match=1,
        requests=1,
        cost_micros=2 * PRICE,
        status=BulkTraceJob.Status.DONE,
        message="Traced 2 matches, 1 no-match, 0 free.",
    )

    response = agent_client.get(f"/leads/bulk-skiptrace/{job.pk}/", **HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "bulk-trace-finished"
    html = response.text
    assert "Done — 3 of 3" in html
    assert "2 matched · 1 no match · 0 errors · 0 free · 1 request · cost $0.14" in html
    assert "Traced 2 matches, 1 no-match, 0 free." in html
    assert "hx-get" not in html  # nothing left to poll


def test_it_keeps_polling_a_running_job(agent_client, agent):
    job = BulkTraceJob.objects.create(
        user=agent, total=300, processed=100, status="running", heartbeat_at=timezone.now()
    )

    response = agent_client.get(f"/leads/bulk-skiptrace/{job.pk}/", **HTMX)

    assert "HX-Trigger" not in response
    assert f'hx-get="/leads/bulk-skiptrace/{job.pk}/"' in response.text
    assert "Running — 100 of 300" in response.text


def test_it_answers_404_for_an_unknown_job(agent_client):
    assert agent_client.get("/leads/bulk-skiptrace/999999/").status_code == 404


def test_it_answers_404_for_the_modal_of_an_unknown_lead(agent_client):
    response = agent_client.get("/leads/999999/skiptrace/")

    assert response.status_code == 404
    assert "That page or lead does not exist." in response.text


def test_it_answers_404_when_tracing_an_unknown_lead(agent_client, wire):
    response = agent_client.post("/leads/999999/skiptrace/run/", **HTMX)

    assert response.status_code == 404
    assert len(wire.calls) == 0


def test_it_refuses_a_bulk_trace_while_batchdata_is_off_and_says_why(agent_client, settings):
    settings.SANDBOX_PROVIDERS, settings.BATCHDATA_API_KEY = False, ""
    leads = [make_lead() for _ in range(2)]

    response = agent_client.post(
        "/leads/bulk-skiptrace/", {"lead": [lead.pk for lead in leads]}, **HTMX
    )

    assert response.status_code == 409
    assert "Skip tracing is off" in response.content.decode()
    assert not BulkTraceJob.objects.exists()
