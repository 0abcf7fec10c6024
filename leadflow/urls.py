from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from leadflow.converters import StoredIdConverter

register_converter(StoredIdConverter, "id")

admin.site.site_header = "LeadFlow administration"
admin.site.site_title = "LeadFlow admin"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("leads.urls")),
]
