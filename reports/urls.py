from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("compile", views.report_start, name="start"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/files/<str:fmt>", views.report_file, name="file"),
    path("<int:pk>/publish", views.report_publish_confirm, name="publish"),
    path("<int:pk>/withdraw", views.report_withdraw_confirm, name="withdraw"),
]
