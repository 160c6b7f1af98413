"""The bare framework's two constant answers, with the body of `/bench/ceiling/`."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.constant import CEILING_BODY


def django_constant(request: HttpRequest) -> JsonResponse:
    return JsonResponse(CEILING_BODY)


class DrfConstant(APIView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response(CEILING_BODY)


urlpatterns = [
    path("django/", django_constant, name="bare-django"),
    path("drf/", DrfConstant.as_view(), name="bare-drf"),
]
