"""The page's upload between its preview and its commit (`StagedUpload`). A small file waits
in the row itself; a file over IMPORT_INLINE_MAX_BYTES waits in storage (`import_storage`),
copied there in chunks, so no request reads it into memory, and its preview in the request
reads only its first PREVIEW_ROWS rows (the page counts the whole file in the background,
`import_counts`)."""

from __future__ import annotations

import datetime as dt
import io
from typing import BinaryIO, cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from leads.lists.csv_files import file_facts
from leads.lists.import_storage import file_delete, file_open, file_store, staged_file_name
from leads.lists.models import StagedUpload

STAGED_FOR = dt.timedelta(days=1)
# A large file's preview reads this many data rows: about a second's work in the request.
PREVIEW_ROWS = 1_000


def is_large(size: int) -> bool:
    """A file past this imports (and previews) in bounded steps, not whole in the request."""
    return size > settings.IMPORT_INLINE_MAX_BYTES


def preview_limit(size: int) -> int | None:
    return PREVIEW_ROWS if is_large(size) else None


def staged_create(upload: UploadedFile, *, user_id: int | None) -> StagedUpload:
    """Keep an upload until its commit; a file that is not a CSV is refused here
    (`ImportFileError`) when it is large, at its preview otherwise."""
    staged_expire()
    name = (upload.name or "")[:255]
    if not is_large(upload.size or 0):
        data = upload.read()
        sha256 = file_facts(io.BytesIO(data)).sha256 if data else ""
        return StagedUpload.objects.create(
            file_sha256=sha256, file_name=name, data=data, created_by_id=user_id
        )
    stream = cast(BinaryIO, upload.open("rb"))
    facts = file_facts(stream)  # streams in chunks
    with transaction.atomic():
        staged = StagedUpload.objects.create(
            file_sha256=facts.sha256, file_name=name, data=b"", created_by_id=user_id
        )
        file_store(stream, staged_file_name(staged.pk))
    return staged


def in_storage(staged: StagedUpload) -> bool:
    """A staged upload with no bytes in its row keeps them in storage (an empty upload is
    never staged: the form refuses it)."""
    return not staged.data and bool(staged.file_sha256)


def staged_open(staged: StagedUpload) -> BinaryIO:
    if in_storage(staged):
        return file_open(staged_file_name(staged.pk))
    return io.BytesIO(bytes(staged.data))


def staged_size(staged: StagedUpload) -> int:
    if in_storage(staged):
        return default_storage.size(staged_file_name(staged.pk))
    return len(staged.data)


def staged_delete(staged: StagedUpload) -> None:
    file_delete(staged_file_name(staged.pk))
    staged.delete()


def staged_expire() -> None:
    """Staged uploads nobody committed within a day go, their stored files with them."""
    old = StagedUpload.objects.filter(created_at__lt=timezone.now() - STAGED_FOR)
    for pk in old.values_list("pk", flat=True):
        file_delete(staged_file_name(pk))
    old.delete()
