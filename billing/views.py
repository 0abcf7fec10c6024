from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from billing.selectors import spend_today


@login_required
def spend_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/spend.html", {"today": spend_today()})
