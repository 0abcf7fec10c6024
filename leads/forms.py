"""Fields and forms shared by several features. Field names are the API's names, so a page's
GET parameters are exactly its API's and a filtered page is bookmarkable."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, partial
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import QueryDict

from leadflow.forms import AsciiIntegerField
from leads.models import LeadList, Source, Stage, Temperature
from leads.scoring.rules import OWNER_TYPES
from leads.selectors import DEFAULT_SORT, SORT_FIELDS, LeadFilters, is_lead_sort

MAX_PAGE_SIZE = 500
MAX_ID = 2**63 - 1  # the largest primary key the databases hold
TRUE_VALUES = {"1", "true", "on", "yes"}
FALSE_VALUES = {"0", "false", "off", "no"}


class TriStateField(forms.CharField):
    """true / false / absent; anything else is an error (never silently ignored).

    Renders as a select of the three, worded by `options` (any, yes, no)."""

    def __init__(
        self, *, options: tuple[str, str, str] = ("Any", "Yes", "No"), **kwargs: object
    ) -> None:
        any_, yes, no = options
        choices = [("", any_), ("true", yes), ("false", no)]
        kwargs.setdefault("widget", forms.Select(choices=choices))
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value):
        value = (value or "").strip().lower()
        if value == "":
            return None
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise forms.ValidationError("Use true or false.")


ME, NOBODY = "me", "none"
Assignee = int | str | None  # a user id, NOBODY, or None for anyone


def assignee_choices(agents: Sequence[Any] | None = None) -> list[tuple[str, str]]:
    """The assignee filter's options: `agents` (`active_agents()` a page read already), else
    read here, only when a page renders the select."""
    users = active_agents() if agents is None else agents
    return [
        ("", "Anyone"),
        (ME, "Me"),
        (NOBODY, "Unassigned"),
        *((u.get_username(), u.get_username()) for u in users),
    ]


def active_agents() -> list[Any]:
    """Everyone a lead or a task can be given to."""
    return list(get_user_model().objects.filter(is_active=True).order_by("username"))


def active_user_id(username: str) -> int | None:
    return (
        get_user_model()
        .objects.filter(username=username, is_active=True)
        .values_list("pk", flat=True)
        .first()
    )


def resolve_assignee(value: str, user: AbstractBaseUser | AnonymousUser | None) -> Assignee:
    """`me` → the asking user's id, `none` → NOBODY, a username → that user's id."""
    value = value.strip()
    if not value:
        return None
    if value.lower() == ME:
        if user is None or not user.is_authenticated:
            raise forms.ValidationError("“me” needs a logged-in user.")
        return int(user.pk)
    if value.lower() == NOBODY:
        return NOBODY
    user_id = active_user_id(value)
    if user_id is None:
        raise forms.ValidationError(f"No active user named {value!r}.")
    return user_id


class AssigneeFilterMixin(forms.Form):
    """`assignee`: me, none or a username. `me` is the user the form is bound for (`user=`),
    resolved here into a user id."""

    assignee = forms.CharField(
        required=False,
        max_length=150,
        widget=forms.Select(choices=assignee_choices),  # type: ignore[arg-type]  # read when rendered
    )

    def __init__(
        self,
        *args: Any,
        user: AbstractBaseUser | AnonymousUser | None = None,
        agents: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """`agents`: the page's `active_agents()`, when it read them, for the select's options."""
        super().__init__(*args, **kwargs)
        self.user = user
        # The select reads its choices twice (the options, and whether it may be required):
        # this form's users are read once, and only when it renders.
        self.fields["assignee"].widget.choices = cache(partial(assignee_choices, agents))

    def clean_assignee(self) -> Assignee:
        return resolve_assignee(self.cleaned_data.get("assignee") or "", self.user)


class TeamFilterMixin(AssigneeFilterMixin):
    """What every lead filter has besides its own fields: `assignee` and `notExportedSince`."""

    notExportedSince = forms.DateField(
        required=False, label="Not exported since", widget=forms.DateInput(attrs={"type": "date"})
    )


def whole_number_field(label: str, **kwargs) -> AsciiIntegerField:
    return AsciiIntegerField(required=False, min_value=0, label=label, **kwargs)


class OwnerFactsForm(forms.Form):
    """The distress and equity filters: on stored leads, and after ATTOM on a search."""

    minEquityPct = AsciiIntegerField(
        required=False, min_value=-1000, max_value=1000, label="Min equity %"
    )
    minYearsOwned = whole_number_field("Min years owned", max_value=200)
    ownerType = forms.ChoiceField(
        required=False,
        label="Owner type",
        choices=[("", "Any owner type"), *((kind, kind.title()) for kind in OWNER_TYPES)],
    )
    freeAndClear = TriStateField(
        required=False, label="Free and clear", options=("Any", "No mortgage", "Mortgaged")
    )
    outOfStateOwner = TriStateField(
        required=False, label="Out-of-state owner", options=("Any", "Out of state", "In state")
    )


class ListFiltersForm(forms.Form):
    """Which lists a lead is on: one list, or at least N (stacking)."""

    list = forms.ModelChoiceField(
        queryset=LeadList.objects.all(), required=False, empty_label="Any list", label="List"
    )
    minLists = whole_number_field("On at least N lists", max_value=1000)


# Each sort people can choose, worded for the select (`leads.selectors.SORT_FIELDS`).
SORT_CHOICES = [
    ("-score", "Score, best first"),
    ("score", "Score, lowest first"),
    ("address", "Address, A to Z"),
    ("-address", "Address, Z to A"),
    ("owner", "Owner, A to Z"),
    ("-owner", "Owner, Z to A"),
    ("-value", "Value, highest first"),
    ("value", "Value, lowest first"),
    ("-equity", "Equity, highest first"),
    ("equity", "Equity, lowest first"),
    ("-lastSale", "Last sale, newest first"),
    ("lastSale", "Last sale, oldest first"),
    ("-yearsOwned", "Years owned, most first"),
    ("yearsOwned", "Years owned, fewest first"),
]
UNKNOWN_SORT = (
    f"Sort by one of {', '.join(SORT_FIELDS)}; a leading - sorts descending (e.g. -score)."
)


class LeadFilterForm(OwnerFactsForm, ListFiltersForm, TeamFilterMixin):
    """Filters of the stored-lead list, the board, the export and `/api/leads`."""

    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    temperature = forms.ChoiceField(
        required=False, choices=[("", "Any temperature"), *Temperature.choices]
    )
    contactable = TriStateField(required=False, options=("Any", "Contactable", "Not contactable"))
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Source.choices])
    zip = forms.CharField(required=False, max_length=5, label="ZIP")
    q = forms.CharField(required=False, max_length=100, label="Owner or address")
    page = AsciiIntegerField(required=False, min_value=1, label="Page")
    pageSize = AsciiIntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, label="Per page"
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=SORT_CHOICES,
        error_messages={"invalid_choice": UNKNOWN_SORT},
    )

    def clean_zip(self) -> str:
        zip5 = self.cleaned_data["zip"].strip()
        if zip5 and not re.fullmatch(r"[0-9]{5}", zip5):
            raise forms.ValidationError("Enter a 5-digit ZIP code.")
        return zip5

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["page"] = data.get("page") or 1
        data["pageSize"] = data.get("pageSize") or 25
        data["sort"] = data.get("sort") or DEFAULT_SORT
        return data

    def lead_filters(self) -> LeadFilters:
        return lead_filters_from(self.cleaned_data)


def without_unknown_sort(query: QueryDict) -> tuple[QueryDict, str]:
    """A page ignores a sort it does not know (an old bookmark, a hand-edited URL) and says so;
    the API refuses it (400)."""
    sort = query.get("sort", "")
    if not sort or is_lead_sort(sort):
        return query, ""
    query = query.copy()
    del query["sort"]
    return query, f"Unknown sort “{sort[:40]}” ignored: the leads are sorted by score, best first."


def lead_filters_from(data: dict[str, Any]) -> LeadFilters:
    """The filters a valid lead-filter form (or its board subset) asked for."""
    assignee = data.get("assignee")
    return LeadFilters(
        stage=data.get("stage") or "",
        temperature=data.get("temperature") or "",
        contactable=data.get("contactable"),
        source=data.get("source") or "",
        zip_code=data.get("zip") or "",
        text=data.get("q") or "",
        assigned_to_id=assignee if isinstance(assignee, int) else None,
        unassigned=assignee == NOBODY,
        not_exported_since=data.get("notExportedSince"),
        list_id=data["list"].pk if data.get("list") else None,
        min_lists=data.get("minLists"),
        **owner_facts_from(data),
    )


def owner_facts_from(data: dict[str, Any]) -> dict[str, Any]:
    """The `LeadFilters` fields a valid `OwnerFactsForm` asked for."""
    return {
        "min_equity_pct": data.get("minEquityPct"),
        "min_years_owned": data.get("minYearsOwned"),
        "owner_type": data.get("ownerType") or "",
        "free_and_clear": data.get("freeAndClear"),
        "out_of_state_owner": data.get("outOfStateOwner"),
    }


def clean_lead_ids(value: object, *, limit: int) -> list[int]:
    """A JSON list of lead ids (`leadIds`): 1 to `limit` whole numbers, duplicates dropped."""
    if not isinstance(value, list) or not value:
        raise forms.ValidationError("A non-empty list of lead ids.")
    if len(value) > limit:
        raise forms.ValidationError(f"At most {limit:,} leads at a time.")
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_ID for v in value):
        raise forms.ValidationError("Lead ids are whole numbers above 0.")
    return list(dict.fromkeys(value))
