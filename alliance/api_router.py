"""The REST API's routes, under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from commitments.api import views as commitments
from reports.api import CompiledReportViewSet

router = SimpleRouter()
router.register("members", commitments.MemberViewSet, basename="member")
router.register("targets", commitments.TargetViewSet, basename="target")
router.register("goals", commitments.GoalViewSet, basename="goal")
router.register("declarations", commitments.DeclarationViewSet, basename="declaration")
router.register("cycles", commitments.CycleViewSet, basename="cycle")
router.register("commitments", commitments.CommitmentViewSet, basename="commitment")
router.register("submissions", commitments.SubmissionViewSet, basename="submission")
router.register("reports", CompiledReportViewSet, basename="report")

urlpatterns = [
    path("v1/members.csv", commitments.MemberViewSet.as_view({"get": "list"}), {"format": "csv"}, name="members-csv"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
