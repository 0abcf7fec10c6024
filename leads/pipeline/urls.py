from django.urls import path

from leads.pipeline import views

urlpatterns = [
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/move/", views.pipeline_move, name="pipeline-move"),
    path("pipeline/assign/", views.pipeline_assign, name="pipeline-assign"),
    path("pipeline/<str:stage>/", views.pipeline_column, name="pipeline-column"),
    path("api/leads/<id:lead_id>/move", views.api_move, name="api-move"),
]
