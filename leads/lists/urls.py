from django.urls import path

from leads.lists import api, import_api, import_views, views

urlpatterns = [
    path("api/lists", api.lists, name="api-lists"),
    path("api/lists/<id:list_id>", api.list_detail, name="api-list"),
    path("api/lists/<id:list_id>/leads", api.list_leads, name="api-list-leads"),
    path("api/lists/<id:list_id>/refresh", api.list_refresh, name="api-list-refresh"),
    path("api/saved-searches", api.saved_searches, name="api-saved-searches"),
    path("api/imports", import_api.imports, name="api-imports"),
    path("api/imports/<id:import_id>", import_api.import_detail, name="api-import"),
    path(
        "api/imports/<id:import_id>/rejected.csv",
        import_api.api_rejected_csv,
        name="api-import-rejected",
    ),
    path(
        "lists/imports/<id:import_id>/rejected.csv",
        import_api.rejected_csv,
        name="import-rejected",
    ),
]

urlpatterns += [
    path("lists/", views.list_index, name="lists"),
    path("lists/<id:list_id>/", views.list_detail, name="list-detail"),
    path("lists/add/", views.list_add, name="list-add"),
    path("lists/<id:list_id>/remove/", views.list_remove, name="list-remove"),
    path("lists/<id:list_id>/refresh/preview/", views.refresh_preview, name="list-refresh-preview"),
    path("lists/<id:list_id>/refresh/", views.refresh_run, name="list-refresh"),
    path("lists/overlap/", views.overlap, name="list-overlap"),
    path("lists/saved-searches/", views.search_save, name="search-save"),
    path("lists/import/", import_views.import_upload, name="list-import"),
    path(
        "lists/import/<id:staged_id>/review/",
        import_views.import_review,
        name="list-import-review",
    ),
    path(
        "lists/import/<id:staged_id>/counts/",
        import_views.import_counts,
        name="list-import-counts",
    ),
    path(
        "lists/import/<id:staged_id>/commit/",
        import_views.import_commit_view,
        name="list-import-commit",
    ),
    path(
        "lists/imports/<id:import_id>/",
        import_views.import_progress,
        name="list-import-progress",
    ),
]
