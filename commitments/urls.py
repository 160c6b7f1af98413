from django.urls import path

from . import views

app_name = "commitments"

urlpatterns = [
    path("", views.alliance_overview, name="overview"),
    path("members/<str:iso_code>/", views.member_detail, name="member"),
    path("reporting/", views.home, name="home"),
    path("reporting/cycles/<int:cycle_id>/start", views.cycle_start, name="cycle_start"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/updates/<int:commitment_id>/", views.update_save, name="update_save"),
    path("submissions/<int:pk>/updates/<int:commitment_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("submissions/<int:pk>/submit", views.submission_submit, name="submit"),
    path("submissions/<int:pk>/pledges/new", views.pledge_new, name="pledge_new"),
    path("submissions/<int:pk>/spreadsheet.xlsx", views.fill_in_download, name="fill_in_download"),
    path("submissions/<int:pk>/spreadsheet/", views.fill_in_upload, name="fill_in_upload"),
    path("submissions/<int:pk>/spreadsheet/<int:import_pk>/", views.fill_in_preview, name="fill_in_preview"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete", views.evidence_delete, name="evidence_delete"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/completeness/", views.completeness, name="completeness"),
    path("review/submissions/<int:pk>/", views.review_submission, name="review"),
    path("review/submissions/<int:pk>/updates/<int:update_id>/comment", views.review_comment, name="review_comment"),
    path("review/submissions/<int:pk>/return", views.review_return, name="review_return"),
    path("review/submissions/<int:pk>/accept", views.review_accept, name="review_accept"),
    path("review/submissions/<int:pk>/extension", views.review_extension, name="review_extension"),
]
