"""The lists pages: the Lists page and a list's page (constant query counts), adding and
removing from the pages, saving a search, refreshing it, the overlap, and the import flow."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads.lists.models import LeadList, ListKind, ListMembership, StagedUpload
from leads.lists.services import add_found_leads, list_add_leads, list_create
from leads.models import Lead
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


def lists_with_leads(lists: int, leads: int) -> list[LeadList]:
    made = [list_create(name=f"List {n}", user_id=None) for n in range(lists)]
    ids = [make_lead().pk for _ in range(leads)]
    for lead_list in made:
        list_add_leads(lead_list=lead_list, lead_ids=ids)
    return made


def test_the_lists_page_does_not_grow_queries_with_lists(
    agent_client, django_assert_max_num_queries
):
    lists_with_leads(2, 3)
    with django_assert_max_num_queries(20) as few:
        agent_client.get("/lists/")
    lists_with_leads(12, 5)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = agent_client.get("/lists/").content.decode()

    assert "List 11" in page


def test_a_list_page_does_not_grow_queries_with_leads(agent_client, django_assert_max_num_queries):
    small = lists_with_leads(2, 2)[0]
    with django_assert_max_num_queries(30) as few:
        agent_client.get(f"/lists/{small.pk}/")
    big = lists_with_leads(3, 20)[0]

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = agent_client.get(f"/lists/{big.pk}/").content.decode()

    assert "20 leads shown" in page and "Stacked × 3" in page


def test_new_badges_show_once_then_clear_when_the_list_is_opened(agent_client):
    lead_list = list_create(name="Saved", user_id=None, kind=ListKind.SAVED_SEARCH)
    lead = make_lead()
    add_found_leads(lead_list=lead_list, lead_ids=[lead.pk], mark_new=True)
    agent_client.get(f"/api/lists/{lead_list.pk}")  # the API does not clear the badge
    assert ListMembership.objects.get().is_new

    first = agent_client.get(f"/lists/{lead_list.pk}/").content.decode()
    second = agent_client.get(f"/lists/{lead_list.pk}/").content.decode()

    assert 'badge-new">New<' in first and 'badge-new">New<' not in second


def test_it_adds_ticked_rows_or_all_matching_to_a_list_from_the_leads_page(agent_client):
    a, b, c = make_lead(zip_code="85008"), make_lead(zip_code="85008"), make_lead()
    target = list_create(name="Target", user_id=None)

    ticked = agent_client.post("/lists/add/", {"list": target.pk, "lead": [a.pk]}, **HTMX)
    matching = agent_client.post(
        "/lists/add/", {"new_list": "ZIP 85008", "all_matching": "1", "filter": "zip=85008"}
    )

    assert ticked.status_code == 200 and "1 lead added to Target" in ticked.content.decode()
    toast = {"message": "1 lead added to Target.", "level": "success"}
    assert json.loads(ticked["HX-Trigger"]) == {"showToast": toast}
    assert matching.status_code == 302 and "HX-Trigger" not in matching
    new = LeadList.objects.get(name="ZIP 85008")
    assert set(new.memberships.values_list("lead_id", flat=True)) == {a.pk, b.pk}
    assert c.pk not in set(target.memberships.values_list("lead_id", flat=True))


def test_it_refuses_an_add_without_a_list_or_leads(agent_client):
    response = agent_client.post("/lists/add/", {"lead": [make_lead().pk]}, **HTMX)

    assert response.status_code == 400
    assert "Choose a list" in response.content.decode()
    assert json.loads(response["HX-Trigger"])["showToast"]["level"] == "error"


def test_it_removes_from_the_list_page_and_asks_the_table_to_reload(agent_client):
    lead_list = lists_with_leads(1, 2)[0]
    lead = lead_list.memberships.get(lead__in=Lead.objects.all()[:1]).lead

    response = agent_client.post(f"/lists/{lead_list.pk}/remove/", {"lead": [lead.pk]}, **HTMX)

    assert response["HX-Trigger"] == "list-changed"
    assert ListMembership.objects.get(lead=lead).removed_at is not None


def test_it_saves_the_search_on_the_page_as_a_list(agent_client):
    response = agent_client.post(
        "/lists/saved-searches/",
        {"name": "Absentee 85034", "zip": "85034", "absentee": "true", "maxRecords": "50",
         "dailyRefresh": "true"},
    )  # fmt: skip

    saved = LeadList.objects.get(name="Absentee 85034")
    assert response.status_code == 302 and response["Location"] == f"/lists/{saved.pk}/"
    assert saved.query == {"zip": "85034", "absentee": "true"}
    assert (saved.max_records, saved.daily_refresh) == (50, True)


def test_it_previews_then_runs_a_refresh_from_the_page(agent_client):
    saved = list_create(name="S", user_id=None, kind=ListKind.SAVED_SEARCH,
                        query={"zip": "85034"}, max_records=25)  # fmt: skip

    preview = agent_client.post(f"/lists/{saved.pk}/refresh/preview/", {"maxRecords": 25}, **HTMX)
    run = agent_client.post(f"/lists/{saved.pk}/refresh/", {"maxRecords": 25}, **HTMX)

    assert "$2.50" in preview.content.decode()
    assert run.status_code == 200
    assert "new since the last refresh" in run.content.decode()
    assert saved.memberships.count() == 25


def test_it_shows_the_overlap_of_two_lists(agent_client):
    a, b = list_create(name="A", user_id=None), list_create(name="B", user_id=None)
    both, only_a = make_lead(), make_lead()
    list_add_leads(lead_list=a, lead_ids=[both.pk, only_a.pk])
    list_add_leads(lead_list=b, lead_ids=[both.pk])

    page = agent_client.get("/lists/overlap/", {"a": a.pk, "b": b.pk}).content.decode()

    assert f'id="lead-{both.pk}"' in page and f'id="lead-{only_a.pk}"' not in page


def test_the_import_pages_preview_then_commit(agent_client):
    text = "Address,City,State,Zip,Owner\n1 Main St,Phoenix,AZ,85034,A B\n2 Elm,,,,C D\n"
    upload = SimpleUploadedFile("probate.csv", text.encode(), "text/csv")

    preview = agent_client.post("/lists/import/", {"file": upload, "listName": "Probate"})

    html = preview.content.decode()
    assert "1</strong> new leads" in html and "cannot be placed" in html
    assert not Lead.objects.exists()
    staged = StagedUpload.objects.get()
    committed = agent_client.post(
        f"/lists/import/{staged.pk}/commit/",
        {"listName": "Probate", "columns": '["Address", "City", "State", "Zip", "Owner"]'},
    )
    lead_list = LeadList.objects.get(name="Probate")
    assert committed["Location"] == f"/lists/{lead_list.pk}/"
    assert Lead.objects.count() == 1 and not StagedUpload.objects.exists()
    page = agent_client.get(committed["Location"]).content.decode()
    assert "download the rejected rows" in page
