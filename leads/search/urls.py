from django.urls import path

from leads.search import api, views

urlpatterns = [
    path("", views.search, name="search"),
    path("api/search", api.search, name="api-search"),
]
