"""POST /api/leads/<id>/skiptrace: the JSON contract, money in the answer, auth and CSRF."""

from __future__ import annotations

from io import StringIO

import pytest
import responses
from django.core.management import call_command
from django.test import Client

from accounts.models import ApiToken
from billing.models import LedgerEntry, Outcome, SpendDay
from billing.money import micros_to_cents
from leads.models import BulkTraceJob
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
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

PHONE_KEYS = {
    "number", "type", "carrier", "score", "reachable", "tested", "dnc", "litigator",
    "dncCheckedAt", "stale", "doNotCall",
}  # fmt: skip


@pytest.fixture
def wire(settings):
    go_live(settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(BATCH_URL, json=answer(JANE))
        yield mock


def url(lead_id: int) -> str:
    return f"/api/leads/{lead_id}/skiptrace"


def post(client: Client, lead_id: int, body: str = "", **extra):
    return client.post(url(lead_id), body, content_type="application/json", **extra)


def test_it_traces_and_answers_with_the_contacts_and_the_cost(agent_client, wire):
    lead = make_lead()

    response = post(agent_client, lead.pk)

    assert response.status_code == 200
    body = response.json()
    assert (body["costCents"], body["reused"]) == (7, False)
    traced = body["lead"]
    assert traced["id"] == lead.pk
    assert traced["bestPhone"] == "+16025550142"
    mobile, landline = traced["phones"]
    assert mobile.keys() >= PHONE_KEYS
    assert {k: mobile[k] for k in PHONE_KEYS - {"dncCheckedAt"}} == {
        "number": "+16025550142",
        "type": "mobile",
        "carrier": "Cellco Partnership dba Verizon Wireless",
        "score": 100,
        "reachable": True,
        "tested": True,
        "dnc": False,
        "litigator": False,
        "stale": False,
        "doNotCall": False,
    }
    assert mobile["dncCheckedAt"] is not None
    assert (landline["number"], landline["type"], landline["dnc"]) == (
        "+16025550187",
        "landline",
        True,
    )
    assert traced["emails"] == [{"email": "jane.sample@example.com", "tested": True}]
    assert (traced["skipTraceStatus"], traced["skipTraceCostCents"]) == ("matched", 7)
    assert traced["contactable"] is True
    entry = LedgerEntry.objects.get()
    assert (entry.cost_micros, entry.user_id) == (PRICE, response.wsgi_request.user.pk)


def test_it_answers_a_second_call_from_storage_for_free(agent_client, wire):
    lead = make_lead()
    post(agent_client, lead.pk)

    body = post(agent_client, lead.pk).json()

    assert (body["costCents"], body["reused"]) == (0, True)
    assert body["lead"]["bestPhone"] == "+16025550142"
    assert len(wire.calls) == 1
    assert list(LedgerEntry.objects.order_by("id").values_list("outcome", flat=True)) == [
        Outcome.SUCCESS,
        Outcome.REUSED,
    ]


def test_it_traces_again_when_forced(agent_client, wire):
    lead = make_lead()
    post(agent_client, lead.pk)

    with after_a_burst():  # a forced trace moments after another joins it
        body = post(agent_client, lead.pk, '{"force": true}').json()

    assert (body["costCents"], body["reused"]) == (7, False)
    assert body["lead"]["skipTraceCostCents"] == 14
    assert len(wire.calls) == 2


def test_it_answers_404_for_an_unknown_lead(agent_client, wire):
    response = post(agent_client, 999_999)

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No lead 999999."}
    assert len(wire.calls) == 0


def test_it_answers_409_when_batchdata_is_off(agent_client, settings):
    settings.SANDBOX_PROVIDERS, settings.BATCHDATA_API_KEY = False, ""

    response = post(agent_client, make_lead().pk)

    assert response.status_code == 409
    body = response.json()
    assert (body["error"], body["provider"]) == ("provider_off", "batch")
    assert "BATCHDATA_API_KEY" in body["message"]
    assert not LedgerEntry.objects.exists()


def test_it_answers_429_at_the_cap(agent_client, wire, settings):
    set_cap(settings, "batch", PRICE - 1)

    response = post(agent_client, make_lead().pk)

    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "daily_cap_exceeded"
    assert body["provider"] == "batch"
    assert (body["capCents"], body["spentCents"], body["reservedCents"]) == (6.9999, 0, 0)
    assert body["resetsAt"].endswith("T00:00:00-07:00")  # midnight in America/Phoenix
    assert "budget is spent" in body["message"]
    assert int(response["Retry-After"]) >= 1
    assert len(wire.calls) == 0
    assert SpendDay.objects.get(provider="batch").refusals == 1


def test_it_answers_502_when_batchdata_fails(agent_client, settings):
    go_live(settings)
    with responses.RequestsMock() as mock:
        mock.post(BATCH_URL, json={"status": {"code": 403, "message": "No access."}}, status=403)
        response = post(agent_client, make_lead().pk)

    assert response.status_code == 502
    assert response.json() == {
        "error": "provider_error",
        "provider": "batch",
        "message": "No access.",
        "retryable": False,
    }


@pytest.mark.parametrize(
    "body",
    ["{not json", "[true]", '{"force": "yes"}', '{"force": 1}', '{"force": null}'],
)
def test_it_answers_400_for_a_bad_body(agent_client, wire, body):
    response = post(agent_client, make_lead().pk, body)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert len(wire.calls) == 0


def test_it_answers_401_to_an_anonymous_caller(client, wire):
    response = post(client, make_lead().pk)

    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"
    assert len(wire.calls) == 0


def test_it_accepts_a_bearer_token_without_csrf(agent, wire):
    out = StringIO()
    call_command("create_api_token", "agent", stdout=out, stderr=StringIO())
    token = out.getvalue().strip()
    browserless = Client(enforce_csrf_checks=True)

    response = post(browserless, make_lead().pk, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json()["costCents"] == 7
    assert LedgerEntry.objects.get().user_id == agent.pk
    assert ApiToken.objects.get().last_used_at is not None


def test_it_refuses_an_unknown_bearer_token(wire):
    response = post(Client(), make_lead().pk, HTTP_AUTHORIZATION="Bearer lf_not-a-token")

    assert response.status_code == 401
    assert len(wire.calls) == 0


def test_it_refuses_a_browser_session_post_without_the_csrf_token(agent, wire):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)

    response = post(browser, make_lead().pk)

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert len(wire.calls) == 0


def test_it_accepts_a_browser_session_post_with_the_csrf_token(agent, wire):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    browser.get("/leads/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value

    response = post(browser, make_lead().pk, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200


def test_it_only_accepts_post(agent_client, wire):
    response = agent_client.get(url(make_lead().pk))

    assert response.status_code == 405


# -- bulk traces ---------------------------------------------------------------------------


@pytest.fixture
def bulk_sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def test_it_previews_a_bulk_trace_in_cents(agent_client, bulk_sandbox):
    ids = [make_lead().pk for _ in range(3)]
    response = agent_client.post(
        "/api/bulk-traces/preview", {"leadIds": ids}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["free"], body["toTrace"]) == (3, 0, 3)
    most = trace_max_cost(3)
    assert body["maxCostCents"] == micros_to_cents(most.total_micros) > 21
    assert body["maxCostByProviderCents"]["batch"] == 21
    assert body["budgetLeftCents"] == 2000


def test_it_queues_a_bulk_trace_and_shows_its_progress(agent_client, bulk_sandbox):
    ids = [make_lead().pk for _ in range(2)]
    response = agent_client.post(
        "/api/bulk-traces", {"leadIds": ids}, content_type="application/json"
    )
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["total"], job["processed"]) == ("queued", 2, 0)
    progress = agent_client.get(f"/api/bulk-traces/{job['id']}")
    assert progress.status_code == 200 and progress.json()["id"] == job["id"]


def test_it_refuses_a_bulk_trace_while_batchdata_is_off(agent_client, settings):
    settings.SANDBOX_PROVIDERS, settings.BATCHDATA_API_KEY = False, ""
    ids = [make_lead().pk]
    response = agent_client.post(
        "/api/bulk-traces", {"leadIds": ids}, content_type="application/json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "provider_off" and "BATCHDATA_API_KEY" in body["message"]
    assert not BulkTraceJob.objects.exists()


@pytest.mark.parametrize(
    "lead_ids", [None, [], "1,2", [1, "2"], [True], [0], [2**64], list(range(1, 5_002))]
)
def test_it_refuses_bad_lead_ids(agent_client, bulk_sandbox, lead_ids):
    response = agent_client.post(
        "/api/bulk-traces", {"leadIds": lead_ids}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "leadIds" in response.json()["fields"]


def test_it_shows_an_agent_only_their_own_bulk_traces(agent_client, django_user_model):
    other = django_user_model.objects.create_user("other-agent", password="x-pass-123")
    job = BulkTraceJob.objects.create(user=other, total=0)
    assert agent_client.get(f"/api/bulk-traces/{job.pk}").status_code == 404
    assert agent_client.get(f"/leads/bulk-skiptrace/{job.pk}/").status_code == 404
