"""The application's URLs plus `bench/ceiling/`: a constant JSON answer through the API's stack.

The ceiling goes through the same middleware, DRF authentication, permission, throttle and
renderer classes as `/api/v1/` but reads nothing, so an endpoint's requests per second divided by
the ceiling's is the share of the stack's best that the endpoint's own work leaves."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance import urls as project
from bench.constant import CEILING_BODY


class CeilingView(APIView):
    def get(self, request: Request) -> Response:
        return Response(CEILING_BODY)


urlpatterns = [path("bench/ceiling/", CeilingView.as_view(), name="bench-ceiling"), *project.urlpatterns]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
