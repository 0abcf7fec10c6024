from django.urls import path

from leads import api, views
from leads.export import views as export_views
from leads.pipeline import views as board_views
from leads.skiptrace import views as trace_views

urlpatterns = [
    path("", views.search, name="search"),
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/export.csv", export_views.export_csv, name="lead-export"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:lead_id>/skiptrace/", trace_views.skiptrace_modal, name="skiptrace-modal"),
    path("leads/<int:lead_id>/skiptrace/run/", trace_views.skiptrace_run, name="skiptrace-run"),
    path("leads/<int:lead_id>/do-not-call/", trace_views.mark_do_not_call, name="do-not-call"),
    path(
        "leads/bulk-skiptrace/preview/",
        trace_views.bulk_skiptrace_preview,
        name="bulk-skiptrace-preview",
    ),
    path("leads/bulk-skiptrace/", trace_views.bulk_skiptrace_start, name="bulk-skiptrace-start"),
    path(
        "leads/bulk-skiptrace/<int:job_id>/",
        trace_views.bulk_skiptrace_progress,
        name="bulk-skiptrace-progress",
    ),
    path("pipeline/", board_views.pipeline, name="pipeline"),
    path("pipeline/move/", board_views.pipeline_move, name="pipeline-move"),
    path("pipeline/<str:stage>/", board_views.pipeline_column, name="pipeline-column"),
    path("api/search", api.search, name="api-search"),
    path("api/leads", api.lead_index, name="api-leads"),
    path("api/leads/export.csv", export_views.api_export_csv, name="api-lead-export"),
    path("api/leads/<int:lead_id>", api.lead_detail, name="api-lead"),
    path("api/leads/<int:lead_id>/skiptrace", api.skiptrace, name="api-skiptrace"),
    path("api/leads/<int:lead_id>/move", board_views.api_move, name="api-move"),
]
