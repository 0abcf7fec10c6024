"""A vendor that echoes our credentials in its error text never gets them stored or shown."""

from __future__ import annotations

import pytest
import responses

from billing.models import LedgerEntry
from leads.skiptrace.services import lead_skip_trace
from leads.skiptrace.tests.test_skiptrace import BATCH_URL
from leads.tests.factories import make_lead
from providers.attom import AREA_SEARCH_PATH
from providers.http import ProviderError, redact_text
from providers.tests.attom_wire import error_body

pytestmark = pytest.mark.django_db

ATTOM_KEY = "attom-live-Secret-4d9c1e77"
BATCH_KEY = "batch-live-Secret-0b3f5a21"


@pytest.fixture
def echoing_vendors(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.ATTOM_API_KEY, settings.BATCHDATA_API_KEY = ATTOM_KEY, BATCH_KEY
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_API_KEY = settings.TWILIO_API_SECRET = ""
    settings.OPENAI_API_KEY = ""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            "https://attom.test" + AREA_SEARCH_PATH, status=400,
            json=error_body(-5, f"Invalid Parameter: apikey={ATTOM_KEY} postalcode=85034"),
        )  # fmt: skip
        mock.post(
            BATCH_URL, status=403,
            json={"status": {"code": 403, "text": f"Bad token Bearer {BATCH_KEY} for {BATCH_KEY}"}},
        )  # fmt: skip
        yield mock


def test_it_keeps_echoed_keys_out_of_the_ledger_the_pages_and_the_api(
    echoing_vendors, admin_client
):
    search = admin_client.get("/api/search", {"zip": "85034"})
    with pytest.raises(ProviderError):
        lead_skip_trace(lead=make_lead())
    trace = admin_client.post(
        f"/api/leads/{make_lead().pk}/skiptrace", "{}", content_type="application/json"
    )

    shown = [
        search.content.decode(), trace.content.decode(),
        admin_client.get("/spend/").content.decode(),
        admin_client.get("/admin/billing/ledgerentry/").content.decode(),
        *LedgerEntry.objects.values_list("detail", flat=True),
    ]  # fmt: skip
    assert search.status_code == 502 and trace.status_code == 502
    assert LedgerEntry.objects.filter(provider="attom").exists()
    for text in shown:
        assert ATTOM_KEY not in text and BATCH_KEY not in text


@pytest.mark.parametrize(
    "text",
    [
        "apikey=abc123SECRET&x=1", "api_key: abc123SECRET", '{"token": "abc123SECRET"}',
        "Authorization: Bearer abc123SECRET", "Basic abc123SECRETxx==", "sk-abc123SECRETabcdef",
        "password=abc123SECRET",
    ],
)  # fmt: skip
def test_it_redacts_credential_shaped_text_whatever_the_key(text):
    assert "abc123SECRET" not in redact_text(text)


def test_it_leaves_ordinary_vendor_text_alone():
    assert redact_text("Invalid token.") == "Invalid token."
    assert redact_text("SuccessWithoutResult (retry after 3 s)") == (
        "SuccessWithoutResult (retry after 3 s)"
    )
