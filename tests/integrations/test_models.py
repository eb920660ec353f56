import pytest
from django.db import connection
from django.test import override_settings

from integrations.models import Integration
from tests.factories import IntegrationFactory

URL = "json://hook:s3cret-password@127.0.0.1:9000/path"


@pytest.mark.django_db
def test_apprise_url_is_encrypted_at_rest():
    integration = IntegrationFactory(apprise_url=URL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM integrations_integration WHERE id = %s", [integration.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "s3cret-password" not in row
    assert "127.0.0.1:9000" not in row.replace(integration.masked_url, "")
    assert Integration.objects.get(pk=integration.pk).apprise_url == URL


@pytest.mark.django_db
def test_masked_url_hides_the_credentials():
    integration = IntegrationFactory(apprise_url=URL)
    assert "s3cret" not in integration.masked_url
    assert integration.masked_url.startswith("json://hook:")
    assert "s3cret" not in str(integration)


@pytest.mark.django_db
def test_a_url_encrypted_under_an_unknown_key_reads_as_missing_not_as_ciphertext(settings):
    integration = IntegrationFactory(apprise_url=URL)
    field = Integration._meta.get_field("apprise_url")
    with override_settings(SALT_KEY=["a-different-key"]):
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)
        try:
            assert Integration.objects.get(pk=integration.pk).apprise_url is None
        finally:
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)
    assert Integration.objects.get(pk=integration.pk).apprise_url == URL


@pytest.mark.django_db
def test_an_older_key_still_decrypts_after_a_new_one_is_prepended():
    field = Integration._meta.get_field("apprise_url")
    integration = IntegrationFactory(apprise_url=URL)
    with override_settings(SALT_KEY=["new-key", "test-field-encryption-key"]):
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)
        try:
            assert Integration.objects.get(pk=integration.pk).apprise_url == URL
        finally:
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)
