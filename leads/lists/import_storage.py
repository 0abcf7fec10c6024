"""Where a large CSV file waits: the default storage (MEDIA_ROOT, shared when workers or web
processes run on other hosts), written and read in chunks so no request holds it in memory.
A background import keeps its file here until it is done; the page's staged upload of a large
file keeps it here between the preview and the commit."""

from __future__ import annotations

from typing import BinaryIO, cast

from django.core.files import File
from django.core.files.storage import default_storage

STAGED_DIR = "imports/staged"


def file_store(stream: BinaryIO, name: str) -> str:
    """Copy the stream to storage under `name` (replacing a file left there); the name kept."""
    if default_storage.exists(name):
        default_storage.delete(name)
    stream.seek(0)
    stored = default_storage.save(name, File(stream))
    stream.seek(0)
    return stored


def file_open(name: str | None) -> BinaryIO:
    if not name:
        raise FileNotFoundError("No stored file.")
    return cast(BinaryIO, default_storage.open(name, "rb"))


def file_delete(name: str | None) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def staged_file_name(staged_id: int) -> str:
    return f"{STAGED_DIR}/{staged_id}.csv"
