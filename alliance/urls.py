from django.contrib import admin
from django.urls import include, path

from .health import healthz

admin.site.site_header = "Global Alliance commitment tracker"
admin.site.site_title = "Alliance tracker"
admin.site.index_title = "Secretariat administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("commitments.urls")),
]
