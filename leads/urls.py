"""The lead pages and API, then each feature's own URLs."""

from django.urls import include, path

from leads import api, views

urlpatterns = [
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/<id:lead_id>/", views.lead_detail, name="lead-detail"),
    path("api/leads", api.lead_index, name="api-leads"),
    path("api/leads/<id:lead_id>", api.lead_detail, name="api-lead"),
    path("", include("leads.search.urls")),
    path("", include("leads.skiptrace.urls")),
    path("", include("leads.pipeline.urls")),
    path("", include("leads.export.urls")),
    path("", include("leads.activity.urls")),
    path("", include("leads.assignment.urls")),
    path("", include("leads.lists.urls")),
]
