from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def search(request: HttpRequest) -> HttpResponse:
    return render(request, "leads/search.html", {})


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    return render(request, "leads/list.html", {})


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    return render(request, "leads/pipeline.html", {})
