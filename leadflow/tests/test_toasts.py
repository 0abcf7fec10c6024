"""leadflow.toasts: a toast rides in HX-Trigger beside the events a view set before."""

from __future__ import annotations

import json

from django.http import HttpResponse

from leadflow.toasts import add_toast


def test_it_sets_a_show_toast_event():
    response = add_toast(HttpResponse(), "Moved.", level="info")
    assert json.loads(response["HX-Trigger"]) == {
        "showToast": {"message": "Moved.", "level": "info"}
    }


def test_it_keeps_events_named_before():
    response = HttpResponse()
    response["HX-Trigger"] = "list-changed, leads-assigned"
    add_toast(response, "Removed.")
    events = json.loads(response["HX-Trigger"])
    assert events == {
        "list-changed": None,
        "leads-assigned": None,
        "showToast": {"message": "Removed.", "level": "success"},
    }


def test_it_keeps_json_events_set_before():
    response = HttpResponse()
    response["HX-Trigger"] = json.dumps({"bulk-progress": {"done": 3}})
    add_toast(response, "Oops.", level="error")
    events = json.loads(response["HX-Trigger"])
    assert events["bulk-progress"] == {"done": 3} and events["showToast"]["level"] == "error"
