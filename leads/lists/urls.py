from django.urls import path

from leads.lists import api

urlpatterns = [
    path("api/lists", api.lists, name="api-lists"),
    path("api/lists/<int:list_id>", api.list_detail, name="api-list"),
    path("api/lists/<int:list_id>/leads", api.list_leads, name="api-list-leads"),
    path("api/lists/<int:list_id>/refresh", api.list_refresh, name="api-list-refresh"),
    path("api/saved-searches", api.saved_searches, name="api-saved-searches"),
]
