from django.urls import path

from leads import views

urlpatterns = [
    path("", views.search, name="search"),
    path("leads/", views.lead_list, name="lead-list"),
    path("pipeline/", views.pipeline, name="pipeline"),
]
