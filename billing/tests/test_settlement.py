"""Unknown outcomes settle from the vendor's own figures, as adjustment rows."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from billing import guard
from billing.models import LedgerEntry, Outcome, SpendDay
from billing.reconcile import reconcile
from billing.settlement import settle_day
from providers.http import CallInfo, ProviderError

pytestmark = pytest.mark.django_db

MATCH = 70_000


@pytest.fixture(autouse=True)
def prices(settings):
    settings.BATCHDATA_PRICE_PER_MATCH_MICROS = MATCH


def known(matches: int) -> None:
    with guard.charge(provider="batch", max_micros=matches * MATCH, operation="skip_trace") as c:
        c.settle(
            cost_micros=matches * MATCH, units=matches,
            call=CallInfo(provider="batch", operation="skip_trace", http_status=200, attempts=1),
        )  # fmt: skip


def unknown(matches: int) -> None:
    with (
        pytest.raises(ProviderError),
        guard.charge(provider="batch", max_micros=matches * MATCH, operation="skip_trace"),
    ):
        raise ProviderError(
            "batch", "timed out after the request was sent", permanent=False,
            call=CallInfo(provider="batch", operation="skip_trace", attempts=1, outcome="unknown"),
        )  # fmt: skip


def day() -> SpendDay:
    return SpendDay.objects.get(provider="batch", day=guard.spend_day())


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def export(tmp_path, text: str):
    path = tmp_path / "usage.csv"
    path.write_text(text)
    return str(path)


def test_it_settles_unknowns_from_the_vendors_count_with_adjustment_rows(tmp_path):
    known(3)
    unknown(100)  # a batch that timed out: charged 100 matches until settled
    unknown(50)
    today = guard.spend_day().isoformat()
    before = list(LedgerEntry.objects.values_list("pk", "cost_micros", "outcome"))

    # The vendor billed 3 + 40 matches that day: the first timed-out batch went through.
    out = run("settle_unknown_outcomes", "--provider", "batch",
              "--usage-csv", export(tmp_path, f"Date,Matches\n{today},43\n"))  # fmt: skip

    assert "adjusted by \u2212$7.70" in out
    assert day().settled_micros == 43 * MATCH
    earlier = LedgerEntry.objects.filter(pk__in=[pk for pk, _, _ in before])
    after = list(earlier.order_by("pk").values_list("pk", "cost_micros", "outcome"))
    assert after == sorted(before)  # history unchanged
    adjustments = LedgerEntry.objects.filter(outcome=Outcome.ADJUSTED).order_by("id")
    assert [a.cost_micros for a in adjustments] == [-60 * MATCH, -50 * MATCH]
    assert not LedgerEntry.objects.filter(outcome=Outcome.UNKNOWN, reconciled_at=None).exists()
    assert all(check.ok and check.unknown_rows == 0 for check in reconcile())


def test_it_reads_the_vendors_cost_in_dollars(tmp_path):
    unknown(10)
    today = guard.spend_day().isoformat()
    run("settle_unknown_outcomes", "--provider", "batch",
        "--usage-csv", export(tmp_path, f"provider,day,cost\nbatch,{today},$0.14\nattom,{today},9\n"))  # fmt: skip  # noqa: E501
    assert day().settled_micros == 2 * MATCH


def test_it_never_settles_below_nothing_or_above_the_maximum():
    known(2)
    unknown(5)
    short = settle_day(provider="batch", day=guard.spend_day(), vendor_micros=MATCH, apply=False)
    assert short.adjustment_micros == -5 * MATCH and short.unexplained_micros == -MATCH
    over = settle_day(provider="batch", day=guard.spend_day(), vendor_micros=20 * MATCH)
    assert over.adjustment_micros == 0 and over.unexplained_micros == 13 * MATCH
    assert day().settled_micros == 7 * MATCH


def test_a_dry_run_changes_nothing(tmp_path):
    unknown(4)
    today = guard.spend_day().isoformat()
    out = run("settle_unknown_outcomes", "--provider", "batch", "--dry-run",
              "--usage-csv", export(tmp_path, f"date,billed_units\n{today},0\n"))  # fmt: skip
    assert "Dry run" in out
    assert day().settled_micros == 4 * MATCH
    assert not LedgerEntry.objects.filter(outcome=Outcome.ADJUSTED).exists()


UNREADABLE = [
    "when,what\n2026-01-01,3\n",
    "date,matches\nyesterday,3\n",
    "date,matches\n2026-01-01,-3\n",
    "date,cost\n2026-01-01,0.0000001\n",
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_it_refuses_an_export_it_cannot_read(tmp_path, text):
    with pytest.raises(CommandError):
        run("settle_unknown_outcomes", "--provider", "batch", "--usage-csv", export(tmp_path, text))


def test_reconcile_reports_unsettled_unknowns_instead_of_ok():
    unknown(2)
    out = run("reconcile_spend")
    assert "UNSETTLED" in out and "OK:" not in out
    with pytest.raises(CommandError, match="UNSETTLED"):
        run("reconcile_spend", "--fail-on-unsettled")


def test_an_admin_settles_an_unknown_row_as_not_billed(admin_client):
    unknown(3)
    row = LedgerEntry.objects.get(outcome=Outcome.UNKNOWN)

    response = admin_client.post(
        "/admin/billing/ledgerentry/",
        {"action": "settle_as_not_billed", "_selected_action": [row.pk]},
    )

    assert response.status_code == 302
    assert day().settled_micros == 0
    assert LedgerEntry.objects.get(adjusts=row).cost_micros == -3 * MATCH
    assert "OK:" in run("reconcile_spend")
