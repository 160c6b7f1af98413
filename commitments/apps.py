from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = "Members and commitments"

    def ready(self) -> None:
        from . import dataversion

        dataversion.watch(self.label)
