from django.urls import path

from . import views

app_name = "commitments"

urlpatterns = [
    path("", views.alliance_overview, name="overview"),
]
