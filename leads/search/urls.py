from django.urls import path

from leads.search import api, views

urlpatterns = [
    path("", views.search, name="search"),
    path("search/price/", views.search_price, name="search-price"),
    path("api/search", api.search, name="api-search"),
]
