import pytest
from django.urls import reverse

from integrations.models import Integration
from notifications.models import Delivery
from tests.factories import (
    DeliveryFactory,
    EmailOnlyUserFactory,
    EventFactory,
    IntegrationFactory,
    InvitationFactory,
    ReminderOffsetFactory,
    UnsubscribeTokenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SECRET = "s3cret-token-value"


@pytest.fixture
def staff(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def one_of_everything():
    reminder = ReminderOffsetFactory()
    InvitationFactory(event=reminder.subscription.event)
    UnsubscribeTokenFactory(subscription=reminder.subscription)
    DeliveryFactory(subscription=reminder.subscription)
    IntegrationFactory(apprise_url=f"json://hook:{SECRET}@127.0.0.1:9000/x")
    EmailOnlyUserFactory()
    return reminder


MODELS = [
    "accounts/user",
    "events/event",
    "events/invitation",
    "integrations/integration",
    "subscriptions/subscription",
    "subscriptions/unsubscribetoken",
    "notifications/delivery",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_searchable_changelist_and_change_page(staff, one_of_everything, model):
    app, name = model.split("/")
    changelist = reverse(f"admin:{app}_{name}_changelist")
    assert staff.get(changelist).status_code == 200
    assert staff.get(changelist, {"q": "example"}).status_code == 200
    from django.apps import apps

    obj = apps.get_model(app, name).objects.first()
    page = staff.get(reverse(f"admin:{app}_{name}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert SECRET not in page.content.decode()


def test_integration_pages_show_only_the_masked_url(staff, one_of_everything):
    integration = Integration.objects.get()
    listing = staff.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert SECRET not in listing
    assert integration.masked_url in listing
    change = staff.get(reverse("admin:integrations_integration_change", args=[integration.pk]))
    assert SECRET not in change.content.decode()


def test_staff_can_replace_an_integration_url_without_seeing_the_old_one(
    staff, one_of_everything, settings
):
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    integration = Integration.objects.get()
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    form = {
        "user": integration.user_id,
        "name": integration.name,
        "kind": "custom",
        "tag": "",
        "is_active": "on",
        "new_apprise_url": "json://other:n3w-secret@127.0.0.1:9001/y",
    }
    assert staff.post(url, form).status_code == 302
    integration.refresh_from_db()
    assert integration.apprise_url == "json://other:n3w-secret@127.0.0.1:9001/y"
    assert "n3w-secret" not in integration.masked_url
    form["new_apprise_url"] = ""  # empty keeps the stored URL
    assert staff.post(url, form).status_code == 302
    integration.refresh_from_db()
    assert integration.apprise_url == "json://other:n3w-secret@127.0.0.1:9001/y"


def test_the_delivery_ledger_is_read_only(staff, one_of_everything):
    delivery = Delivery.objects.get()
    change = reverse("admin:notifications_delivery_change", args=[delivery.pk])
    assert staff.post(change, {"status": "sent"}).status_code == 403
    assert staff.get(reverse("admin:notifications_delivery_add")).status_code == 403
    assert (
        staff.post(
            reverse("admin:notifications_delivery_delete", args=[delivery.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_event_changelist_counts_subscribers(staff):
    event = EventFactory(name="Counted")
    ReminderOffsetFactory(subscription__event=event)
    ReminderOffsetFactory(subscription__event=event)
    page = staff.get(reverse("admin:events_event_changelist")).content.decode()
    assert '<td class="field-subscriber_count">2</td>' in page


def test_staff_cannot_store_a_url_the_network_guard_refuses(staff, one_of_everything):
    integration = Integration.objects.get()
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    form = {
        "user": integration.user_id,
        "name": integration.name,
        "kind": "custom",
        "tag": "",
        "is_active": "on",
        "new_apprise_url": "json://169.254.169.254/latest",
    }
    page = staff.post(url, form)
    assert page.status_code == 200  # the form again, with the reason beside the field
    assert "169.254.169.254" in page.content.decode()
    integration.refresh_from_db()
    assert integration.apprise_url.startswith("json://hook:")
