"""Every URL of the project, plus /bench/bare: the cheapest page Django can serve through the same
middleware, the yardstick of the throughput run (tests/bench/pages.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from hms import rbac


@rbac.public
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), path("", include("hms.urls"))]
