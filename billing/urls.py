from django.urls import path

from billing import api, views

urlpatterns = [
    path("spend/", views.spend_dashboard, name="spend"),
    path("api/system/status", api.system_status, name="api-system-status"),
    path("api/spend", api.spend, name="api-spend"),
    path("api/users/<str:username>/limits", api.user_limits, name="api-user-limits"),
]
