"""The webhooks admin: secretariat administrators only; a secret shown once; a read-only delivery
log with a redeliver action."""

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import UserFactory
from tests.webhooks.conftest import Receiver, endpoint_for
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_ping

ENDPOINTS = "/admin/webhooks/webhookendpoint/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"
pytestmark = pytest.mark.usefixtures("local_targets")


def test_an_administrator_adds_an_endpoint_and_sees_its_secret_only_once(
    client: Client, webhook_admin: User, receiver: Receiver
) -> None:
    client.force_login(webhook_admin)
    form = {
        "name": "Dashboard",
        "url": receiver.url,
        "events": ["submission.accepted", "report.published"],
        "is_active": "on",
        "_save": "Save",
    }
    page = client.post(f"{ENDPOINTS}add/", form)
    assert page.status_code == 200, page.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert endpoint.events == ["report.published", "submission.accepted"]
    assert endpoint.created_by == webhook_admin

    later = client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in later
    assert endpoint.secret_hint in later


def test_an_endpoint_form_names_what_is_wrong(client: Client, webhook_admin: User, settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client.force_login(webhook_admin)
    page = client.post(f"{ENDPOINTS}add/", {"name": "Inside", "url": "http://127.0.0.1:6379/", "_save": "Save"})
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert set(errors) == {"url", "events"}
    assert not WebhookEndpoint.objects.exists()


def test_rolling_the_secret_shows_the_new_one_once(client: Client, webhook_admin: User, receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    client.force_login(webhook_admin)
    page = client.post(ENDPOINTS, {"action": "roll_secret", "_selected_action": [endpoint.pk], "index": 0})
    endpoint.refresh_from_db()
    assert page.status_code == 200
    assert endpoint.secret in page.content.decode()


def test_a_ping_is_queued_from_the_endpoint_list(client: Client, webhook_admin: User, receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    client.force_login(webhook_admin)
    client.post(ENDPOINTS, {"action": "send_ping", "_selected_action": [endpoint.pk], "index": 0})
    assert WebhookDelivery.objects.get().event == "ping"


def test_the_delivery_log_is_filtered_read_only_and_redelivers(
    client: Client, webhook_admin: User, receiver: Receiver
) -> None:
    endpoint = endpoint_for(receiver, webhook_admin)
    delivery = webhook_ping(endpoint=endpoint, actor=webhook_admin)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.FAILED, attempts=6)
    client.force_login(webhook_admin)

    listed = client.get(
        DELIVERIES, {"status__exact": "failed", "event__exact": "ping", "endpoint__id__exact": str(endpoint.pk)}
    )
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [delivery]
    assert client.get(DELIVERIES, {"status__exact": "delivered"}).context["cl"].result_count == 0

    detail = client.get(f"{DELIVERIES}{delivery.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.post(f"{DELIVERIES}{delivery.pk}/delete/", {"post": "yes"}).status_code == 403

    client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk], "index": 0})
    copy = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert copy.redelivery_of == delivery
    assert copy.status == WebhookDelivery.Status.PENDING


@pytest.mark.parametrize("role", [User.Role.SECRETARIAT_REVIEWER, User.Role.NATIONAL_CONTACT])
def test_only_secretariat_administrators_reach_the_webhooks_admin(client: Client, alliance: None, role: str) -> None:
    # Staff, so that the admin itself lets them in: what keeps them out is the webhooks' own rule.
    extra = {} if role == User.Role.NATIONAL_CONTACT else {"member_state": None}
    person = UserFactory.create(role=role, is_staff=True, **extra)
    client.force_login(person)
    for url in (ENDPOINTS, f"{ENDPOINTS}add/", DELIVERIES):
        assert client.get(url).status_code == 403, url
    assert "webhooks" not in client.get("/admin/").content.decode().lower()
