"""/api/lists: making lists, adding and removing leads, and what a lead says about its lists."""

from __future__ import annotations

import json

import pytest

from leads.lists.models import LeadList, ListMembership
from leads.lists.services import list_add_leads, list_create, list_remove_leads
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def post(client, url: str, body: object, method: str = "post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def new_list(client, name: str = "Probate") -> dict:
    response = post(client, "/api/lists", {"name": name})
    assert response.status_code == 201, response.content
    return response.json()


def test_it_creates_a_manual_list_with_201(agent_client):
    body = new_list(agent_client, "Tax delinquent")

    assert {k: body[k] for k in ("name", "kind", "leadCount")} == {
        "name": "Tax delinquent",
        "kind": "manual",
        "leadCount": 0,
    }
    creator = LeadList.objects.get(pk=body["id"]).created_by
    assert creator is not None and creator.username == "agent"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 121}])
def test_it_refuses_a_list_without_a_usable_name(agent_client, body):
    response = post(agent_client, "/api/lists", body)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "name" in response.json()["fields"]


def test_it_lists_lists_with_their_counts(agent_client):
    first = new_list(agent_client, "Absentee")
    leads = [make_lead(), make_lead()]
    post(agent_client, f"/api/lists/{first['id']}/leads", {"leadIds": [lead.pk for lead in leads]})

    body = agent_client.get("/api/lists").json()

    (item,) = body["lists"]
    assert item["leadCount"] == 2
    assert set(item) >= {
        "id", "name", "kind", "leadCount", "createdAt", "lastRefreshedAt", "newSinceLastRefresh",
    }  # fmt: skip
    assert agent_client.get(f"/api/lists/{first['id']}").json() == item


def test_it_answers_404_for_an_unknown_list(agent_client):
    assert agent_client.get("/api/lists/999").status_code == 404
    assert post(agent_client, "/api/lists/999/leads", {"leadIds": [1]}).status_code == 404


def test_it_adds_leads_and_counts_those_already_on(agent_client):
    lead_list = new_list(agent_client)
    a, b, c = make_lead(), make_lead(), make_lead()
    url = f"/api/lists/{lead_list['id']}/leads"
    post(agent_client, url, {"leadIds": [a.pk, b.pk]})

    response = post(agent_client, url, {"leadIds": [b.pk, c.pk, c.pk]})

    assert response.status_code == 200
    assert response.json() == {"added": 1, "alreadyOn": 1}


@pytest.mark.parametrize("ids", [[], "1", [0], [True], ["1"], None])
def test_it_refuses_bad_lead_ids_with_field_errors(agent_client, ids):
    lead_list = new_list(agent_client)

    response = post(agent_client, f"/api/lists/{lead_list['id']}/leads", {"leadIds": ids})

    assert response.status_code == 400
    assert "leadIds" in response.json()["fields"]


def test_it_refuses_lead_ids_that_name_no_lead(agent_client):
    lead_list = new_list(agent_client)
    lead = make_lead()

    response = post(
        agent_client, f"/api/lists/{lead_list['id']}/leads", {"leadIds": [lead.pk, 999_999]}
    )

    assert response.status_code == 400
    assert "999999" in response.json()["fields"]["leadIds"][0]
    assert not ListMembership.objects.exists()


def test_it_removes_leads_and_remembers_them(agent_client):
    lead_list = new_list(agent_client)
    a, b = make_lead(), make_lead()
    url = f"/api/lists/{lead_list['id']}/leads"
    post(agent_client, url, {"leadIds": [a.pk, b.pk]})

    response = post(agent_client, url, {"leadIds": [a.pk]}, method="delete")

    assert response.status_code == 200
    assert response.json() == {"removed": 1}
    assert post(agent_client, url, {"leadIds": [a.pk]}, method="delete").json() == {"removed": 0}
    membership = ListMembership.objects.get(lead=a)
    assert membership.removed_at is not None  # remembered, not deleted
    assert agent_client.get(f"/api/lists/{lead_list['id']}").json()["leadCount"] == 1


def test_it_lets_an_agent_put_a_removed_lead_back(agent_client):
    lead_list = new_list(agent_client)
    lead = make_lead()
    url = f"/api/lists/{lead_list['id']}/leads"
    post(agent_client, url, {"leadIds": [lead.pk]})
    post(agent_client, url, {"leadIds": [lead.pk]}, method="delete")

    assert post(agent_client, url, {"leadIds": [lead.pk]}).json() == {"added": 1, "alreadyOn": 0}
    assert ListMembership.objects.get(lead=lead).removed_at is None


def test_it_shows_each_leads_lists_in_the_lead_api(agent_client, django_assert_max_num_queries):
    tax, probate = (list_create(name=n, user_id=None) for n in ("Tax delinquent", "Probate"))
    leads = [make_lead() for _ in range(5)]
    for lead in leads:
        list_add_leads(lead_list=tax, lead_ids=[lead.pk])
    list_add_leads(lead_list=probate, lead_ids=[leads[0].pk])

    with django_assert_max_num_queries(8):
        body = agent_client.get("/api/leads").json()

    by_id = {lead["id"]: lead for lead in body["leads"]}
    assert by_id[leads[0].pk]["lists"] == [
        {"id": tax.pk, "name": "Tax delinquent"},
        {"id": probate.pk, "name": "Probate"},
    ]
    assert by_id[leads[0].pk]["listCount"] == 2
    assert by_id[leads[1].pk]["listCount"] == 1
    detail = agent_client.get(f"/api/leads/{leads[0].pk}").json()
    assert detail["listCount"] == 2


def test_it_filters_leads_by_list_and_by_how_many_lists(agent_client):
    tax, probate, absentee = (list_create(name=n, user_id=None) for n in "TPA")
    one, two, three, none = make_lead(), make_lead(), make_lead(), make_lead()
    list_add_leads(lead_list=tax, lead_ids=[one.pk, two.pk, three.pk])
    list_add_leads(lead_list=probate, lead_ids=[two.pk, three.pk])
    list_add_leads(lead_list=absentee, lead_ids=[three.pk])
    list_remove_leads(lead_list=probate, lead_ids=[two.pk])  # removed: no longer counts

    def ids(**params) -> set[int]:
        response = agent_client.get("/api/leads", params)
        assert response.status_code == 200, response.content
        return {lead["id"] for lead in response.json()["leads"]}

    assert ids(list=probate.pk) == {three.pk}
    assert ids(list=tax.pk) == {one.pk, two.pk, three.pk}
    assert ids(minLists=2) == {three.pk}
    assert ids(minLists=1) == {one.pk, two.pk, three.pk}
    assert ids(minLists=3, list=tax.pk) == {three.pk}
    assert none.pk in ids()


@pytest.mark.parametrize("params", [{"list": "999"}, {"list": "x"}, {"minLists": "-1"}])
def test_it_refuses_bad_list_filters(agent_client, params):
    response = agent_client.get("/api/leads", params)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(params)


def test_it_answers_401_to_anonymous_callers(client):
    assert client.get("/api/lists").status_code == 401
    assert post(client, "/api/lists", {"name": "x"}).status_code == 401
