"""Reading an export's next chunk in a thread: the same items in the same order, errors
raised where they happened, and a cancelled download stops the thread and closes the reads."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest
from django.db import connection

from leads.export.read_ahead import AHEAD, read_ahead
from leads.export.writer import csv_stream
from leads.models import Lead, Phone
from leads.selectors import leads_filtered


class FakeConnection:
    """What read_ahead asks of a connection: its vendor, and leave to share it."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.sharing = 0

    def inc_thread_sharing(self) -> None:
        self.sharing += 1

    def dec_thread_sharing(self) -> None:
        self.sharing -= 1


class Produced:
    """A generator of `count` items that records which thread ran it and whether it closed."""

    def __init__(self, count: int, *, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.threads: set[str] = set()
        self.closed = threading.Event()
        self.made = 0

    def __call__(self) -> Generator[int, None, None]:
        try:
            for n in range(self.count):
                self.threads.add(threading.current_thread().name)
                if n == self.fail_at:
                    raise ValueError(f"item {n} could not be read")
                self.made += 1
                yield n
        finally:
            self.closed.set()


def test_on_postgresql_a_thread_reads_every_item_in_order():
    produced, shared = Produced(50), FakeConnection("postgresql")
    assert list(read_ahead(produced, shared)) == list(range(50))
    assert produced.threads == {"export-read-ahead"} and produced.closed.is_set()
    assert shared.sharing == 0


def test_elsewhere_the_callers_thread_reads_each_item_as_it_is_asked_for():
    produced = Produced(5)
    items = read_ahead(produced, FakeConnection("sqlite"))
    assert next(items) == 0 and produced.made == 1  # nothing read ahead
    assert list(items) == [1, 2, 3, 4]
    assert produced.threads == {threading.current_thread().name}


def test_an_error_is_raised_at_the_item_that_could_not_be_read():
    produced, shared = Produced(10, fail_at=3), FakeConnection("postgresql")
    items = read_ahead(produced, shared)
    got = [next(items) for _ in range(3)]
    with pytest.raises(ValueError, match="item 3 could not be read"):
        next(items)
    assert got == [0, 1, 2] and produced.closed.is_set() and shared.sharing == 0


def test_a_reader_that_stops_early_stops_the_thread_and_closes_the_reads():
    produced, shared = Produced(10_000), FakeConnection("postgresql")
    items = read_ahead(produced, shared)
    assert next(items) == 0
    items.close()  # a download cancelled after its first chunk
    assert produced.closed.is_set() and shared.sharing == 0
    assert produced.made <= 1 + AHEAD + 1  # read at most a few chunks ahead, then stopped
    assert not any(t.name == "export-read-ahead" for t in threading.enumerate())


@pytest.mark.django_db
def test_a_cancelled_export_leaves_the_requests_connection_usable():
    leads = Lead.objects.bulk_create(
        Lead(
            street=f"{n} Main St",
            city="Phoenix",
            state="AZ",
            zip_code="85004",
            normalized_address=f"{n} main st phoenix az 85004",
        )
        for n in range(30)
    )
    Phone.objects.bulk_create(
        Phone(lead=lead, number=f"+1602555{n:04d}") for n, lead in enumerate(leads)
    )
    stream = csv_stream(leads_filtered(), scrub=False, bom=False, chunk_size=5)
    next(stream), next(stream)  # the header and the first lines
    stream.close()
    assert Lead.objects.count() == 30  # the connection answers: no cursor left mid-read
    assert connection.allow_thread_sharing is False
    whole = "".join(csv_stream(leads_filtered(), scrub=False, bom=False, chunk_size=5))
    assert whole.count("\r\n") == 31 and "+16025550029" in whole
