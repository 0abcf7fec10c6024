from django.urls import path

from leads.skiptrace import api, views

urlpatterns = [
    path("leads/<id:lead_id>/skiptrace/", views.skiptrace_modal, name="skiptrace-modal"),
    path("leads/<id:lead_id>/skiptrace/run/", views.skiptrace_run, name="skiptrace-run"),
    path("leads/<id:lead_id>/do-not-call/", views.mark_do_not_call, name="do-not-call"),
    path(
        "leads/bulk-skiptrace/preview/",
        views.bulk_skiptrace_preview,
        name="bulk-skiptrace-preview",
    ),
    path("leads/bulk-skiptrace/", views.bulk_skiptrace_start, name="bulk-skiptrace-start"),
    path(
        "leads/bulk-skiptrace/<id:job_id>/",
        views.bulk_skiptrace_progress,
        name="bulk-skiptrace-progress",
    ),
    path("api/leads/<id:lead_id>/skiptrace", api.skiptrace, name="api-skiptrace"),
    path("api/bulk-traces", api.bulk_start_api, name="api-bulk-traces"),
    path("api/bulk-traces/preview", api.bulk_preview_api, name="api-bulk-trace-preview"),
    path("api/bulk-traces/<id:job_id>", api.bulk_job_api, name="api-bulk-trace"),
]
