from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("map/", views.world_map, name="map"),
    path("members/<str:iso_code>/", views.member, name="member"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/files/<str:fmt>", views.report_file, name="report_file"),
    path("feed.atom", views.feed, name="feed"),
    path("data/", views.open_data, name="open_data"),
    path("data/<int:cycle_id>.<str:fmt>", views.open_data_file, name="open_data_file"),
]
