"""Factories for test data: users per role, commitments and cycles on top of the reference data."""

from datetime import date
from typing import Any

import factory

from accounts.models import User
from commitments.models import Commitment, MemberState, PolicyTarget, ReportingCycle


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    role = User.Role.NATIONAL_CONTACT
    member_state = factory.LazyFunction(lambda: MemberState.objects.get(iso_code="FR"))
    password = factory.django.Password("correct horse battery staple")


class SecretariatFactory(UserFactory):
    role = User.Role.SECRETARIAT_ADMIN
    member_state = None
    is_staff = True
    is_superuser = True


class ReportingCycleFactory(factory.django.DjangoModelFactory[ReportingCycle]):
    class Meta:
        model = ReportingCycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    period_start = date(2020, 4, 1)
    period_end = date(2021, 3, 31)
    opens_on = date(2021, 3, 1)
    due_on = date(2021, 4, 1)


class CommitmentFactory(factory.django.DjangoModelFactory[Commitment]):
    class Meta:
        model = Commitment

    member_state = factory.LazyFunction(lambda: MemberState.objects.get(iso_code="FR"))
    target = factory.LazyFunction(lambda: PolicyTarget.objects.get(number=1))
    title = factory.Sequence(lambda n: f"Pledged action {n}")

    @classmethod
    def _create(cls, model_class: type[Commitment], *args: Any, **kwargs: Any) -> Commitment:
        commitment = model_class(*args, **kwargs)
        commitment.full_clean()
        commitment.save()
        return commitment
