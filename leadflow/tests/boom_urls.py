"""A URL conf whose views fail, to test how failures are shown."""

from django.urls import path


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), path("api/boom", boom)]
