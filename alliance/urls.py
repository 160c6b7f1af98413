from django.contrib import admin
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import include, path
from django.views.generic import RedirectView

from .api import ERROR_VIEWS
from .health import healthz

admin.site.site_header = "Global Alliance commitment tracker"
admin.site.site_title = "Alliance tracker"
admin.site.index_title = "Secretariat administration"


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Clients that ask /favicon.ico without reading the page's icon link."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.ico"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/", include("alliance.api_router")),
    path("accounts/", include("accounts.urls")),
    # One sign-in page for everyone, the administration included.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("reports/", include("reports.urls")),
    # The public site (no sign-in): under /alliance/, so that the overview (/) and the member pages
    # (/members/<iso>/) keep their addresses; they link to it.
    path("alliance/", include("public.urls")),
    path("", include("commitments.urls")),
]

# Under /api/ errors answer JSON; elsewhere Django's pages.
handler400 = ERROR_VIEWS["400"]
handler403 = ERROR_VIEWS["403"]
handler404 = ERROR_VIEWS["404"]
handler500 = ERROR_VIEWS["500"]
