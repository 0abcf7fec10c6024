from django.urls import path

from leads.lists import api, import_api

urlpatterns = [
    path("api/lists", api.lists, name="api-lists"),
    path("api/lists/<int:list_id>", api.list_detail, name="api-list"),
    path("api/lists/<int:list_id>/leads", api.list_leads, name="api-list-leads"),
    path("api/lists/<int:list_id>/refresh", api.list_refresh, name="api-list-refresh"),
    path("api/saved-searches", api.saved_searches, name="api-saved-searches"),
    path("api/imports", import_api.imports, name="api-imports"),
    path("api/imports/<int:import_id>", import_api.import_detail, name="api-import"),
    path(
        "api/imports/<int:import_id>/rejected.csv",
        import_api.api_rejected_csv,
        name="api-import-rejected",
    ),
    path(
        "lists/imports/<int:import_id>/rejected.csv",
        import_api.rejected_csv,
        name="import-rejected",
    ),
]
