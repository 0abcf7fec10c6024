from django.urls import path

from leads.assignment import api, views

urlpatterns = [
    path("leads/assign/", views.assign, name="leads-assign"),
    path("api/leads/assign", api.assign, name="api-leads-assign"),
]
