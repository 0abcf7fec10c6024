from django.urls import path

from accounts import api

urlpatterns = [
    path("api/users/<str:username>/permissions", api.user_permissions, name="api-user-permissions"),
]
