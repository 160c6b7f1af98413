from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from .health import healthz

admin.site.site_header = "Global Alliance commitment tracker"
admin.site.site_title = "Alliance tracker"
admin.site.index_title = "Secretariat administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    # One sign-in page for everyone, the administration included.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("", include("commitments.urls")),
]
