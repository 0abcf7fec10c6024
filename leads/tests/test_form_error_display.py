"""Bad filter values are named by their labels, and the bad field is marked and described."""

from __future__ import annotations

import re

HTMX = {"HTTP_HX_REQUEST": "true"}


def must_find(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found, text
    return found


def test_it_marks_the_bad_field_and_links_its_message(agent_client):
    response = agent_client.get("/leads/?zip=abc")

    assert response.status_code == 400
    html = response.text
    field = must_find(r'<input[^>]*id="id_zip"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_zip_error"' in field
    assert '<div class="field-error" id="id_zip_error">Enter a 5-digit ZIP code.</div>' in html
    assert '<div class="field field-invalid">' in html
    assert 'href="#id_zip">ZIP: Enter a 5-digit ZIP code.</a>' in html


def test_it_names_fields_by_their_labels_not_their_parameters(agent_client):
    html = agent_client.get("/leads/?pageSize=0&minEquityPct=x").text

    assert "Per page: Ensure this value is greater than or equal to 1." in html
    assert "Min equity %: Enter a whole number." in html
    assert "pageSize:" not in html and "minEquityPct:" not in html


def test_an_htmx_answer_names_the_fields_to_mark_in_the_form_it_did_not_redraw(agent_client):
    response = agent_client.get("/leads/?zip=abc&minLists=-1", **HTMX)

    assert response.status_code == 400
    summary = must_find(r"<div class=\"alert alert-error form-errors\"[^>]*>", response.text)
    assert 'data-form="lead-filters"' in summary.group(0)
    assert 'data-invalid-fields="id_minLists id_zip "' in summary.group(0)
    assert 'id="id_zip_summary"' in response.text


def test_a_valid_htmx_answer_clears_the_marks(agent_client):
    html = agent_client.get("/leads/?zip=85034", **HTMX).text

    assert (
        '<div class="form-errors" hidden data-form="lead-filters" data-invalid-fields="">' in html
    )
