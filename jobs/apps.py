from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Jobs waiting for Redis")

    def ready(self) -> None:
        from celery.signals import worker_ready
        from django.core.signals import request_finished

        from . import outbox

        # A periodic relay cannot reach a worker while the broker is down; these send what waited
        # as soon as a process that has just found the broker again can.
        request_finished.connect(outbox.relay_after_request, dispatch_uid="jobs-relay-after-request")
        worker_ready.connect(outbox.relay_at_worker_start, dispatch_uid="jobs-relay-at-worker-start")
