"""Each class of input the fuzzing found answers 4xx, never 5xx (see also test_fuzz.py)."""

from __future__ import annotations

import json

import pytest

from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

HUGE = str(2**64 + 7)
UNICODE_ZIPS = ["٨٥٠٣٤", "８５００４", "۸۵۰۳۴", "८५००४"]  # Arabic, full-width, Persian, Devanagari


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


@pytest.mark.parametrize("zip5", UNICODE_ZIPS)
@pytest.mark.parametrize("path", ["/", "/api/search"])
def test_it_refuses_a_zip_in_other_digits_without_reaching_the_zip_library(
    agent_client, path, zip5
):
    assert agent_client.get(path, {"zip": zip5}).status_code == 400


@pytest.mark.parametrize("field", ["page", "pageSize", "minBeds", "maxValue", "lat", "radius"])
@pytest.mark.parametrize("value", ["١٢", "３", HUGE, "-" + HUGE])
def test_it_refuses_other_digits_and_huge_numbers_in_search_fields(agent_client, field, value):
    response = agent_client.get("/api/search", {"zip": "85034", field: value})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/leads/", "/api/leads", "/leads/export.csv"])
@pytest.mark.parametrize("value", ["٣", HUGE])
def test_it_refuses_other_digits_and_huge_pages_in_lead_filters(agent_client, path, value):
    assert agent_client.get(path, {"page": value}).status_code == 400


@pytest.mark.parametrize("offset", ["٣", HUGE, "-" + HUGE, "1e3"])
def test_it_refuses_a_bad_board_offset(agent_client, offset):
    assert agent_client.get("/pipeline/new/", {"offset": offset}).status_code == 400


@pytest.mark.parametrize(
    "path",
    ["/leads/{id}/", "/api/leads/{id}", "/leads/{id}/skiptrace/", "/api/bulk-traces/{id}",
     "/leads/bulk-skiptrace/{id}/"],
)  # fmt: skip
def test_it_answers_404_for_an_id_past_64_bits(agent_client, path):
    assert agent_client.get(path.format(id=HUGE)).status_code == 404


@pytest.mark.parametrize("depth", [1_000, 50_000])
def test_it_refuses_deeply_nested_json(agent_client, depth):
    lead = make_lead()
    body = "[" * depth + "]" * depth
    for path in (f"/api/leads/{lead.pk}/skiptrace", "/api/bulk-traces/preview"):
        response = agent_client.post(path, body, content_type="application/json")
        assert response.status_code == 400


def test_it_refuses_huge_lead_ids_in_a_bulk_trace(agent_client):
    body = json.dumps({"leadIds": [2**70]})
    response = agent_client.post("/api/bulk-traces/preview", body, content_type="application/json")
    assert response.status_code == 400
    form = agent_client.post("/leads/bulk-skiptrace/preview/", {"lead": [HUGE, "٣"]})
    assert form.status_code == 400


@pytest.mark.parametrize("text", ["a\x00b", "\x00"])
def test_it_refuses_nul_bytes_in_text(agent_client, text):
    assert agent_client.get("/api/leads", {"q": text}).status_code == 400
    assert agent_client.get("/api/search", {"city": text, "state": "AZ"}).status_code == 400


@pytest.mark.parametrize(
    "query",
    [{"id__exact": HUGE}, {"id": HUGE}, {"lead__id__exact": HUGE}, {"cost_micros__gte": HUGE},
     {"q": "x\x00y"}, {"p": HUGE}],
)  # fmt: skip
def test_it_keeps_huge_admin_filter_values_out_of_500s(admin_client, query):
    for path in ("/admin/billing/ledgerentry/", "/admin/leads/lead/"):
        assert admin_client.get(path, query).status_code < 500


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://[::1"},
     {"HTTP_HX_REQUEST": "maybe", "HTTP_HX_TARGET": "\x7f"},
     {"HTTP_HX_TRIGGER": "%%%", "HTTP_HX_BOOSTED": "yes"}],
)  # fmt: skip
def test_it_survives_malformed_htmx_headers(agent_client, headers):
    for path in ("/", "/leads/", "/pipeline/", f"/leads/{make_lead().pk}/skiptrace/"):
        assert agent_client.get(path, **headers).status_code < 500
