"""Large CSV files import in the background: queued with 202, run by the task chunk by chunk,
progress on `GET /api/imports/<id>` and the page, a failure that keeps what was imported and
does not block importing the file again, and the upload size limit."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.utils import FileProxyMixin
from django.test import Client
from django.utils import timezone

from leads.lists import import_counts, import_staging, imports
from leads.lists.import_counts import count_staged_upload, counts_of
from leads.lists.import_jobs import list_import_run
from leads.lists.import_staging import staged_create, staged_expire
from leads.lists.import_storage import staged_file_name
from leads.lists.imports import ImportTarget, import_into
from leads.lists.models import (
    ImportStatus,
    LeadList,
    ListImport,
    ListKind,
    ListMembership,
    StagedUpload,
)
from leads.lists.services import list_create
from leads.models import Lead
from leads.search import normalize
from leads.search.ingest import dedup_key
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

HEADER = "Street,City,State,Zip,Owner\n"


def rows(count: int, *, first: int = 1) -> str:
    return "".join(f"{n} Main St,Phoenix,AZ,85034,OWNER {n}\n" for n in range(first, first + count))


@pytest.fixture(autouse=True)
def _background(settings, tmp_path, monkeypatch):
    settings.IMPORT_INLINE_MAX_BYTES = 100  # every file below is "large"
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)


def post(client, text: str, **fields):
    upload = SimpleUploadedFile("big.csv", text.encode(), "text/csv")
    return client.post("/api/imports", {"file": upload, "listName": "County", **fields})


def test_it_queues_a_large_file_and_the_task_imports_it(
    agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(agent_client, HEADER + rows(5))

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["statusUrl"]) == ("queued", f"/api/imports/{body['id']}")
    done = agent_client.get(body["statusUrl"]).json()
    assert (done["status"], done["rows"], done["created"], done["merged"]) == ("done", 5, 5, 0)
    assert done["rejected"] == [] and done["listId"] == body["listId"]
    assert ListMembership.objects.filter(lead_list_id=done["listId"]).count() == 5
    record = ListImport.objects.get()
    assert not record.upload and record.finished_at is not None  # the stored file is gone


def test_a_queued_import_reports_its_progress_and_a_missing_worker(agent_client):
    body = post(agent_client, HEADER + rows(5)).json()  # no commit: no task ran
    ListImport.objects.filter(pk=body["id"]).update(
        created_at=timezone.now() - dt.timedelta(minutes=1)
    )

    progress = agent_client.get(body["statusUrl"]).json()

    assert (progress["status"], progress["rows"], progress["totalRows"]) == ("queued", 0, 5)
    assert "no task worker is running" in progress["waitingForWorker"]
    page = agent_client.get(f"/lists/imports/{body['id']}/")
    assert b"Waiting for a worker" in page.content and b'hx-trigger="every 1s"' in page.content


def test_it_reports_progress_after_each_committed_chunk(agent):
    lead_list = list_create(name="County", user_id=agent.pk, kind=ListKind.IMPORT)
    seen: list[tuple[int, int, int]] = []
    target = ImportTarget(
        lead_list, agent.pk, "big.csv",
        progress=lambda result, line: seen.append((result.rows, result.created, line)),
    )  # fmt: skip
    text = HEADER + rows(4) + ",Phoenix,AZ,85034,NO STREET\n"

    result = import_into(io.BytesIO(text.encode()), None, target, chunked=True)

    assert seen == [(2, 2, 3), (4, 4, 5)]  # (rows read, created, last line), chunk by chunk
    assert (result.rows, result.created, len(result.rejected)) == (5, 4, 1)


def test_a_failure_keeps_what_was_imported_and_the_file_can_be_imported_again(
    agent_client, django_capture_on_commit_callbacks
):
    unreadable = "9 Oak St,Phoenix,AZ,85034," + "x" * 200_000 + "\n"  # past csv's field limit
    text = HEADER + rows(4) + unreadable + rows(2, first=10)
    body = post(agent_client, text).json()

    list_import_run(ListImport.objects.get(pk=body["id"]))

    failed = agent_client.get(body["statusUrl"]).json()
    assert (failed["status"], failed["rows"], failed["created"]) == ("failed", 4, 4)
    assert "Row 6 cannot be read as CSV" in failed["message"]
    assert "rows up to line 5 are imported (4 new leads" in failed["message"]
    assert Lead.objects.count() == 4  # the committed chunks stay
    with django_capture_on_commit_callbacks(execute=True):
        again = post(agent_client, text)
    assert again.status_code == 202  # not a repeat of the failed import
    assert ListImport.objects.filter(status=ImportStatus.FAILED).count() == 2  # same row again
    fixed = HEADER + rows(4) + rows(2, first=10)
    with django_capture_on_commit_callbacks(execute=True):
        body = post(agent_client, fixed).json()
    done = agent_client.get(body["statusUrl"]).json()
    assert (done["status"], done["created"], done["merged"]) == ("done", 2, 4)


def test_a_file_being_imported_is_a_repeat(agent_client):
    first = post(agent_client, HEADER + rows(3)).json()

    response = post(agent_client, HEADER + rows(3))

    assert response.status_code == 200
    assert response.json()["duplicateOf"] == first["id"]


def test_it_refuses_a_bad_mapping_before_queueing(agent_client):
    response = post(agent_client, HEADER + rows(3), mapping='{"Nope": "street"}')

    assert response.status_code == 400
    assert not ListImport.objects.exists()


def test_an_upload_past_memory_streams_to_disk_and_imports(
    settings, agent_client, django_capture_on_commit_callbacks
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 50  # Django writes larger uploads to a temp file
    with django_capture_on_commit_callbacks(execute=True):
        body = post(agent_client, HEADER + rows(30)).json()

    assert agent_client.get(body["statusUrl"]).json()["created"] == 30


def test_it_refuses_a_file_over_the_limit(settings, agent_client):
    settings.IMPORT_MAX_BYTES = 1024 * 1024  # 1 MB stands for 50 MB

    response = post(agent_client, HEADER + rows(30_000))

    assert response.status_code == 400
    assert "Files up to 1 MB" in response.json()["fields"]["file"][0]
    assert not ListImport.objects.exists()


def test_the_page_queues_a_large_file_and_shows_its_progress(
    agent, agent_client, django_capture_on_commit_callbacks
):
    staged = StagedUpload.objects.create(
        file_sha256="", file_name="big.csv", data=(HEADER + rows(3)).encode(),
        created_by_id=agent.pk,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/lists/import/{staged.pk}/commit/", {"listName": "Big"})

    record = ListImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/lists/imports/{record.pk}/"
    page = agent_client.get(response["Location"], headers={"HX-Request": "true"})
    assert b"3 new leads" in page.content.replace(b"<strong>", b"").replace(b"</strong>", b"")
    assert b"every 1s" not in page.content  # done: no more polling


def test_a_large_files_preview_reads_its_first_rows_only_and_is_no_import(
    agent_client, monkeypatch
):
    monkeypatch.setattr(import_staging, "PREVIEW_ROWS", 3)
    text = HEADER + rows(2) + ",Phoenix,AZ,85034,NO STREET\n" + rows(5, first=10)

    response = post(agent_client, text, preview="true")

    assert response.status_code == 200
    body = response.json()
    assert (body["rows"], body["created"], len(body["rejected"])) == (3, 2, 1)
    assert (body["partial"], body["totalRows"]) == (True, 8)
    assert [row["row"] for row in body["sample"]] == [2, 3]
    assert not Lead.objects.exists() and not ListImport.objects.exists()
    assert post(agent_client, text).status_code == 202  # the preview did not count as an import


def test_a_small_files_preview_reads_all_of_it(settings, agent_client):
    settings.IMPORT_INLINE_MAX_BYTES = 2 * 1024 * 1024

    body = post(agent_client, HEADER + rows(5), preview="true").json()

    assert (body["rows"], body["partial"]) == (5, False)


def test_the_page_stages_a_large_file_in_storage_and_previews_its_first_rows(
    settings, agent_client, monkeypatch, django_capture_on_commit_callbacks
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 50  # the upload itself waits in a temporary file
    monkeypatch.setattr(import_staging, "PREVIEW_ROWS", 4)
    read_whole: list[bool] = []

    def reader(file):  # every Django file (the upload, the stored copy) reads through this
        def read(size=-1):
            if not isinstance(file, SimpleUploadedFile):  # the test client's side
                read_whole.append(size is None or size < 0)
            return file.file.read(size)

        return read

    monkeypatch.setattr(FileProxyMixin, "read", property(reader))
    text = HEADER + rows(40)
    upload = SimpleUploadedFile("big.csv", text.encode(), "text/csv")

    page = agent_client.post("/lists/import/", {"file": upload, "listName": "Big"})

    monkeypatch.undo()
    assert page.status_code == 200
    assert read_whole and not any(read_whole)  # chunks only, never the whole file
    staged = StagedUpload.objects.get()
    assert bytes(staged.data) == b""  # the row holds no bytes: storage does
    stored = settings.MEDIA_ROOT / staged_file_name(staged.pk)
    assert stored.read_bytes() == text.encode()
    content = page.content.decode().replace("<strong>", "").replace("</strong>", "")
    assert "In the first 4 rows (of about 40): 4 new leads" in content
    assert 'id="import-partial"' in content
    assert content.count("MAIN ST") == 4  # the sample: the rows read
    assert not Lead.objects.exists() and not ListImport.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = agent_client.post(f"/lists/import/{staged.pk}/commit/", {"listName": "Big"})

    record = ListImport.objects.get()
    assert done["Location"] == f"/lists/imports/{record.pk}/"
    assert (record.status, record.created) == (ImportStatus.DONE, 40)
    assert not StagedUpload.objects.exists() and not stored.exists()


def test_a_large_file_that_is_not_a_csv_is_refused_at_upload(agent_client):
    upload = SimpleUploadedFile("book.xlsx", b"PK\x03\x04" + b"x" * 500, "text/csv")

    page = agent_client.post("/lists/import/", {"file": upload, "listName": "Big"})

    assert page.status_code == 400
    assert b"Excel workbook" in page.content
    assert not StagedUpload.objects.exists()


def test_staged_files_nobody_committed_expire_with_their_rows(agent, settings):
    upload = SimpleUploadedFile("big.csv", (HEADER + rows(10)).encode(), "text/csv")
    staged = staged_create(upload, user_id=agent.pk)
    stored = settings.MEDIA_ROOT / staged_file_name(staged.pk)
    assert stored.exists()
    StagedUpload.objects.update(created_at=timezone.now() - dt.timedelta(days=2))

    staged_expire()

    assert not StagedUpload.objects.exists() and not stored.exists()


def preview_page(client, text: str, **fields):
    upload = SimpleUploadedFile("big.csv", text.encode(), "text/csv")
    return client.post("/lists/import/", {"file": upload, "listName": "Big", **fields})


def plain(response) -> str:
    return response.content.decode().replace("<strong>", "").replace("</strong>", "")


def test_a_large_files_preview_counts_the_whole_file_in_the_background(
    django_user_model, agent_client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(import_staging, "PREVIEW_ROWS", 2)
    address = normalize.normalize_address("3 Main St", city="PHOENIX", state="AZ",
                                          zip_code="85034")  # fmt: skip
    key = dedup_key(address, ["OWNER 3"], corporate=False)
    make_lead(normalized_address=key[0], normalized_owner=key[1])
    text = HEADER + rows(5) + ",Phoenix,AZ,85034,NO STREET\n" + rows(1)  # a bad row, a repeat
    leads = Lead.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        page = preview_page(agent_client, text)

    staged = StagedUpload.objects.get()
    assert 'id="import-full-counts"' in plain(page)
    counts = agent_client.get(f"/lists/import/{staged.pk}/counts/", headers={"HX-Request": "true"})
    assert counts.status_code == 200
    assert "7 rows: 4 new leads, 2 merged into existing leads, 1 rejected." in plain(counts)
    assert "No street address." in plain(counts) and "every 1s" not in plain(counts)
    # A preview is no import: no lead, no list, no import record, and the file can be imported.
    assert Lead.objects.count() == leads
    assert not ListImport.objects.exists() and not LeadList.objects.exists()
    other = Client()
    other.force_login(django_user_model.objects.create_user("other", password="x"))
    assert other.get(f"/lists/import/{staged.pk}/counts/").status_code == 404


def test_the_count_polls_while_it_runs_and_says_when_no_worker_is_running(
    agent_client, monkeypatch
):
    monkeypatch.setattr(import_staging, "PREVIEW_ROWS", 2)
    page = preview_page(agent_client, HEADER + rows(5))  # no commit: the count is not queued
    staged = StagedUpload.objects.get()
    cached = counts_of(staged.pk)
    assert cached is not None and cached.status == ImportStatus.QUEUED
    cached.created_at -= dt.timedelta(minutes=1)
    import_counts._keep(staged.pk, cached)

    counts = agent_client.get(f"/lists/import/{staged.pk}/counts/")

    assert 'hx-trigger="every 1s"' in page.content.decode()
    assert "Counting — 0 of about 5 rows" in plain(counts)
    assert "no task worker is running" in plain(counts)


def test_a_count_stops_at_a_row_it_cannot_read_and_says_so(
    agent_client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(import_staging, "PREVIEW_ROWS", 2)
    unreadable = "9 Oak St,Phoenix,AZ,85034," + "x" * 200_000 + "\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview_page(agent_client, HEADER + rows(4) + unreadable)
    staged = StagedUpload.objects.get()

    counts = agent_client.get(f"/lists/import/{staged.pk}/counts/")

    assert "Row 6 cannot be read as CSV" in plain(counts)
    assert "The import would stop there" in plain(counts)


def test_a_newer_count_supersedes_the_old_and_a_commit_stops_both(agent_client, monkeypatch):
    monkeypatch.setattr(import_staging, "PREVIEW_ROWS", 2)
    preview_page(agent_client, HEADER + rows(5))
    staged = StagedUpload.objects.get()
    old = counts_of(staged.pk)
    assert old is not None
    agent_client.post(f"/lists/import/{staged.pk}/review/", {"listName": "Big"})  # a new count

    count_staged_upload.call(staged.pk, old.run, {})  # the old run finds itself superseded

    latest = counts_of(staged.pk)
    assert latest is not None and latest.run != old.run and latest.status == ImportStatus.QUEUED
    agent_client.post(f"/lists/import/{staged.pk}/commit/", {"listName": "Big"})
    assert counts_of(staged.pk) is None
    count_staged_upload.call(staged.pk, latest.run, {})  # the staged file is gone: nothing
