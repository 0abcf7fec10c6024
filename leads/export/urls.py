from django.urls import path

from leads.export import views

urlpatterns = [
    path("leads/export.csv", views.export_csv, name="lead-export"),
    path("api/leads/export.csv", views.api_export_csv, name="api-lead-export"),
]
