"""An export's next chunk read while this one is written (PostgreSQL).

An export alternates between waiting for the database (a chunk of lead rows, then its
contacts) and formatting lines in Python. PostgreSQL works in a process of its own, so a
thread can ask for chunk N+1 while the request formats chunk N: the two overlap, and the
export takes about the longer of the two instead of their sum. The thread uses the request's
own connection (the same transaction, so the same rows, a test's transaction included), which
the request does not touch until the thread is done: formatting reads nothing. At most AHEAD
chunks wait, so memory stays flat however many leads match.

SQLite works inside this process and hands the GIL back at every row it steps; a thread there
would wait for the GIL at every row, so on SQLite the chunks are read in turn, as they are
asked for.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from typing import Any

AHEAD = 2  # chunks read and waiting to be written
_POLL_SECONDS = 0.1  # how soon the thread sees that the request stopped reading
_END = object()


def read_ahead[T](
    produce: Callable[[], Generator[T, None, None]], connection: Any
) -> Generator[T, None, None]:
    """The items `produce()` yields, read by a thread one step ahead on PostgreSQL.

    `produce` must do its queries on `connection`, the caller's, never by looking up
    `django.db.connections` (which a thread answers with a connection of its own). An error
    it raises is raised here, at the item it failed to read. When the caller stops early (a
    download cancelled), the thread stops and `produce()`'s generator is closed before this
    generator is."""
    if connection.vendor != "postgresql":
        yield from produce()
        return
    ready: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()
    connection.inc_thread_sharing()
    thread = threading.Thread(
        target=_read, args=(produce, ready, stop), name="export-read-ahead", daemon=True
    )
    thread.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()
        connection.dec_thread_sharing()


def _read(
    produce: Callable[[], Generator[Any, None, None]],
    ready: queue.Queue[tuple[Any, BaseException | None]],
    stop: threading.Event,
) -> None:
    items = None
    try:
        items = produce()
        for item in items:
            if not _offer(ready, stop, (item, None)):
                return
        _offer(ready, stop, (_END, None))
    except BaseException as error:  # handed to the request, which raises it
        _offer(ready, stop, (None, error))
    finally:
        if items is not None:
            items.close()  # in this thread, which ran it: its cursor is closed here


def _offer(ready: queue.Queue[Any], stop: threading.Event, entry: Any) -> bool:
    """Puts `entry` once there is room; False if the request stopped reading first."""
    while not stop.is_set():
        try:
            ready.put(entry, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False
