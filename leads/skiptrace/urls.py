from django.urls import path

from leads.skiptrace import api, views

urlpatterns = [
    path("leads/<int:lead_id>/skiptrace/", views.skiptrace_modal, name="skiptrace-modal"),
    path("leads/<int:lead_id>/skiptrace/run/", views.skiptrace_run, name="skiptrace-run"),
    path("leads/<int:lead_id>/do-not-call/", views.mark_do_not_call, name="do-not-call"),
    path(
        "leads/bulk-skiptrace/preview/",
        views.bulk_skiptrace_preview,
        name="bulk-skiptrace-preview",
    ),
    path("leads/bulk-skiptrace/", views.bulk_skiptrace_start, name="bulk-skiptrace-start"),
    path(
        "leads/bulk-skiptrace/<int:job_id>/",
        views.bulk_skiptrace_progress,
        name="bulk-skiptrace-progress",
    ),
    path("api/leads/<int:lead_id>/skiptrace", api.skiptrace, name="api-skiptrace"),
]
