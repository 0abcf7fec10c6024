"""Leads: a property *with its owner*, their contacts, and the pipeline they move through.

Phones and e-mails live in their own tables rather than JSON on the lead: each phone has
flags of its own (DNC, litigator, line type, when DNC was checked) that the contactable
filter, the best-phone choice, the export and the internal do-not-call list query and
update one by one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from leads.phones import normalize_phone

DNC_FRESH_FOR = dt.timedelta(days=31)
# What a trace stores on the lead itself; copied whole when contacts move between leads.
TRACE_FIELDS = (
    "skip_trace_status",
    "skip_trace_provider",
    "skip_traced_at",
    "litigator",
    "deceased",
)


def trace_reuse_window() -> dt.timedelta:
    """A trace this recent is answered from storage for $0 (SKIP_TRACE_REUSE_DAYS)."""
    return dt.timedelta(days=settings.SKIP_TRACE_REUSE_DAYS)


class Stage(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    FOLLOW_UP = "follow_up", "Follow-up"
    NEGOTIATING = "negotiating", "Negotiating"
    UNDER_CONTRACT = "under_contract", "Under contract"
    CLOSED_WON = "closed_won", "Closed won"
    DEAD = "dead", "Dead"


class Temperature(models.TextChoices):
    DEAD = "DEAD", "Dead"
    WARM = "WARM", "Warm"
    HOT = "HOT", "Hot"
    ON_FIRE = "ON_FIRE", "On fire"


class Source(models.TextChoices):
    ATTOM = "attom", "ATTOM"
    ATTOM_SANDBOX = "attom-sandbox", "ATTOM sandbox"
    MANUAL = "manual", "Manual"
    IMPORT = "import", "Import"  # a CSV an investor brought (leads.lists.imports)


class SkipTraceStatus(models.TextChoices):
    NOT_TRACED = "", "Not traced"
    MATCHED = "matched", "Matched"
    NO_MATCH = "no_match", "No match"
    ERROR = "error", "Error"


class LeadQuerySet(models.QuerySet["Lead"]):
    def freshly_traced(self) -> LeadQuerySet:
        """Leads traced within the reuse window (the queryset twin of `trace_is_fresh`)."""
        return self.filter(skip_traced_at__gte=timezone.now() - trace_reuse_window())

    def add_trace_cost(self, cost_micros: int) -> int:
        """Add to these leads' total trace cost what the ledger charged for a call their trace
        set off (a line-type check, the rescore): the one place it grows after the match."""
        if not cost_micros:
            return 0
        return self.update(skip_trace_cost_micros=models.F("skip_trace_cost_micros") + cost_micros)


class Lead(models.Model):
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    sandbox = models.BooleanField(default=False, help_text="Made-up data from the sandbox.")

    # ATTOM identifiers
    attom_id = models.BigIntegerField(null=True, blank=True)
    fips = models.CharField(max_length=5, blank=True)
    apn = models.CharField(max_length=64, blank=True)

    # The property's address, as the provider gave it, and its normalised dedup form
    street = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField("ZIP", max_length=5, blank=True)
    zip4 = models.CharField("ZIP+4", max_length=4, blank=True)
    county = models.CharField(max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Looked up through the dedup key's unique index, which starts with it.
    normalized_address = models.CharField(max_length=300)

    # The owner
    owner_name = models.CharField(max_length=300, blank=True, help_text="All owners, for display.")
    owner_first_name = models.CharField(max_length=100, blank=True)
    owner_last_name = models.CharField(max_length=200, blank=True)
    owner2_first_name = models.CharField(max_length=100, blank=True)
    owner2_last_name = models.CharField(max_length=200, blank=True)
    normalized_owner = models.CharField(max_length=300, blank=True)  # indexed in Meta
    corporate_owner = models.BooleanField(default=False)
    owns_property = models.BooleanField(
        default=True, help_text="False once the provider reports a new owner of the parcel."
    )
    mailing_address = models.CharField(max_length=300, blank=True)
    mailing_street = models.CharField(max_length=200, blank=True)
    mailing_city = models.CharField(max_length=100, blank=True)
    mailing_state = models.CharField(max_length=2, blank=True)
    mailing_zip = models.CharField(max_length=10, blank=True)
    # Read only with normalized_owner, whose index finds the few rows to check.
    normalized_mailing = models.CharField(max_length=300, blank=True)
    absentee = models.BooleanField(null=True, blank=True)

    # Property facts
    property_type = models.CharField(max_length=60, blank=True)
    beds = models.PositiveSmallIntegerField(null=True, blank=True)
    baths = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    living_sqft = models.PositiveIntegerField(null=True, blank=True)
    lot_sqft = models.PositiveIntegerField(null=True, blank=True)
    year_built = models.PositiveSmallIntegerField(null=True, blank=True)

    # Values, whole dollars (property values, not spend)
    avm_value_usd = models.BigIntegerField(null=True, blank=True)
    assessed_value_usd = models.BigIntegerField(null=True, blank=True)
    market_value_usd = models.BigIntegerField(null=True, blank=True)
    last_sale_date = models.DateField(null=True, blank=True)
    last_sale_amount_usd = models.BigIntegerField(null=True, blank=True)
    mortgage_amount_usd = models.BigIntegerField(null=True, blank=True)
    estimated_equity_usd = models.BigIntegerField(null=True, blank=True)

    # Scoring
    ai_score = models.PositiveSmallIntegerField(null=True, blank=True)
    temperature_tag = models.CharField(max_length=8, choices=Temperature.choices, blank=True)
    score_reasons = models.JSONField(default=list, blank=True)  # [{"points": 20, "reason": "…"}]
    scored_by = models.CharField(max_length=60, blank=True)  # "rules" or the model's name
    score_note = models.CharField(max_length=300, blank=True)  # why the AI score is not used
    ai_cost_micros = models.BigIntegerField(default=0)  # micro-dollars spent scoring this lead
    ai_scored_at = models.DateTimeField(null=True, blank=True)

    # Skip trace and compliance
    skip_trace_status = models.CharField(
        max_length=10, choices=SkipTraceStatus.choices, blank=True, default=""
    )
    skip_trace_provider = models.CharField(max_length=30, blank=True)
    skip_trace_cost_micros = models.BigIntegerField(default=0)  # micro-dollars, all traces
    skip_traced_at = models.DateTimeField(null=True, blank=True)
    # Set while one worker traces this lead, so a double click never pays twice.
    skip_trace_claimed_at = models.DateTimeField(null=True, blank=True)
    best_phone = models.CharField(max_length=16, blank=True)  # E.164
    litigator = models.BooleanField(null=True, blank=True)  # None: unknown
    deceased = models.BooleanField(null=True, blank=True)
    do_not_call = models.BooleanField(default=False, help_text="An agent marked the owner.")
    dnc_flag = models.BooleanField(default=False, help_text="Must not be called or texted.")
    contactable = models.BooleanField(default=False)

    # Pipeline
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEW)
    position = models.PositiveIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_address", "normalized_owner"], name="lead_unique_address_owner"
            ),
            models.UniqueConstraint(
                fields=["attom_id", "normalized_owner"],
                condition=Q(attom_id__isnull=False),
                name="lead_unique_attom_id_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "position"]),
            models.Index(fields=["zip_code"]),
            models.Index(fields=["temperature_tag"]),
            # A plain index: no LIKE reads the column, so not db_index's PostgreSQL pattern twin.
            models.Index(fields=["normalized_owner"], name="lead_normalized_owner"),
            # And on PostgreSQL, lead_best_first (migration 0015): the best-score-first order.
        ]

    def __str__(self) -> str:
        return f"{self.address_line} ({self.owner_name or 'unknown owner'})"

    @property
    def address_line(self) -> str:
        street = f"{self.street} {self.unit}".strip()
        place = f"{self.city}, {self.state} {self.zip_code}".strip(" ,")
        return f"{street}, {place}" if place else street

    @property
    def trace_is_fresh(self) -> bool:
        """Traced within the reuse window, so a new trace would be answered for $0."""
        return (
            self.skip_traced_at is not None
            and timezone.now() - self.skip_traced_at <= trace_reuse_window()
        )


class Phone(models.Model):
    # Indexed by phone_unique_per_lead, which starts with it (one index less to write).
    lead = models.ForeignKey(Lead, related_name="phones", on_delete=models.CASCADE, db_index=False)
    number = models.CharField(max_length=16)  # E.164
    line_type = models.CharField(max_length=20, blank=True)  # mobile, landline, voip, unknown…
    carrier = models.CharField(max_length=120, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reachable = models.BooleanField(null=True, blank=True)
    tested = models.BooleanField(null=True, blank=True)
    dnc = models.BooleanField(null=True, blank=True)  # None: the vendor did not say
    litigator = models.BooleanField(null=True, blank=True)
    dnc_checked_at = models.DateTimeField(null=True, blank=True)
    do_not_call = models.BooleanField(default=False, help_text="On the internal do-not-call list.")
    wrong_number = models.BooleanField(default=False, help_text="A call found someone else.")
    valid = models.BooleanField(null=True, blank=True)  # from line-type lookup
    line_type_checked_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=30, blank=True)
    rank = models.PositiveSmallIntegerField(default=0)  # the vendor's order

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "number"], name="phone_unique_per_lead")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def dnc_stale(self) -> bool:
        """Safe harbour needs a DNC scrub no older than 31 days."""
        checked = self.dnc_checked_at
        return checked is None or timezone.now() - checked > DNC_FRESH_FOR


class Email(models.Model):
    # Indexed by email_unique_per_lead, which starts with it.
    lead = models.ForeignKey(Lead, related_name="emails", on_delete=models.CASCADE, db_index=False)
    email = models.EmailField(max_length=254)
    tested = models.BooleanField(null=True, blank=True)
    rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "email"], name="email_unique_per_lead")
        ]

    def __str__(self) -> str:
        return self.email


class DoNotCall(models.Model):
    """The internal do-not-call list: survives re-traces and re-searches.

    An entry names a phone number, or an owner (normalised name + normalised mailing
    address), never both.
    """

    number = models.CharField(max_length=16, blank=True, db_index=True)
    normalized_owner = models.CharField(max_length=300, blank=True, db_index=True)
    normalized_mailing = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "do-not-call entry"
        verbose_name_plural = "do-not-call list"
        constraints = [
            models.CheckConstraint(
                condition=(Q(number="") & ~Q(normalized_owner=""))
                | (~Q(number="") & Q(normalized_owner="")),
                name="dnc_number_xor_owner",
            ),
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="dnc_unique_number"
            ),
            models.UniqueConstraint(
                fields=["normalized_owner", "normalized_mailing"],
                condition=Q(number=""),
                name="dnc_unique_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.normalized_owner

    def clean(self) -> None:
        """Numbers are kept in E.164, the form stored phones have, or they never match."""
        if self.number:
            e164 = normalize_phone(self.number)
            if e164 is None:
                raise ValidationError({"number": "Enter a phone number, e.g. (602) 555-0101."})
            self.number = e164


class WrongNumber(models.Model):
    """A number a call showed is not this lead's owner: never its best phone again, left out
    by scrub, and re-applied whenever a trace stores the lead's phones anew."""

    lead = models.ForeignKey(Lead, related_name="wrong_numbers", on_delete=models.CASCADE)
    number = models.CharField(max_length=16)  # E.164
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "number"], name="wrong_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} (lead {self.lead_id})"


class BulkTraceJob(models.Model):
    """A background skip trace of many leads, with progress the page can poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        STOPPED = "stopped", "Stopped at the cap"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    lead_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    no_match = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)  # BatchData could not trace them
    reused = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    cost_micros = models.BigIntegerField(default=0)
    max_cost_micros = models.BigIntegerField(null=True, blank=True)  # an operator's limit
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # its worker's last progress

    def __str__(self) -> str:
        return f"bulk trace {self.pk} ({self.status})"

    @property
    def left(self) -> int:
        return self.total - self.processed

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.STOPPED, self.Status.FAILED}


# The timeline and tasks live in their own module; importing them here registers them.
from leads.activity.models import Activity, ActivityKind, FollowUpTask  # noqa: E402, F401
from leads.export.models import DispositionImport, DispositionRule, ExportRecord  # noqa: E402, F401

# Lists live in their feature package; the core (lead filter, rules score) reads them here.
from leads.lists.models import (  # noqa: E402, F401
    LeadList,
    ListImport,
    ListKind,
    ListMembership,
    StagedUpload,
    attach_lists,
    lists_of,
    lists_prefetch,
)
