"""The REST API's routes, under /api/v1/, and its root: what there is, where."""

from typing import Any

from django.urls import include, path, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

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

# Each entry of the root: its name and its route; every list of the router, by construction.
ROOT = {
    **{prefix: f"{basename}-list" for prefix, _viewset, basename in router.registry},
    "members_csv": "members-csv",
    "schema": "schema",
    "docs": "api-docs",
}


class ApiRootView(APIView):
    """The API's resources, its OpenAPI schema and its documentation, each by its absolute URL."""

    @extend_schema(
        operation_id="api_root",
        responses=inline_serializer(
            "ApiRoot", {name: serializers.URLField(help_text=f"The URL of `{name}`.") for name in ROOT}
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({name: request.build_absolute_uri(reverse(route)) for name, route in ROOT.items()})


urlpatterns = [
    path("v1/", ApiRootView.as_view(), name="api-root"),
    path("v1/members.csv", commitments.MemberViewSet.as_view({"get": "list"}), {"format": "csv"}, name="members-csv"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
