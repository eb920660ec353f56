"""`manage.py rotate_keys`: afterwards the old key can go and every channel URL still reads."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models.functions import Cast

from integrations.fields import forget_keys
from integrations.models import Integration
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

OLD, NEW = "old-field-key-4b1e", "new-field-key-9c7d"


@pytest.fixture
def keys(settings):
    """keys(["B", "A"]) sets FIELD_ENCRYPTION_KEYS (SALT_KEY) as the process would read them."""

    def use(salts, *, secret_key=None, fallbacks=()):
        settings.SALT_KEY = list(salts)
        settings.SECRET_KEY_FALLBACKS = list(fallbacks)
        if secret_key:
            settings.SECRET_KEY = secret_key
        forget_keys()  # the field derives its Fernet keys once and caches them

    yield use
    forget_keys()  # the next test derives them again from its own settings


def channels(n=3) -> dict[int, str]:
    made = [
        IntegrationFactory(apprise_url=f"json://hook:s3cret-{i}@hooks.example.org/t0ken-{i}")
        for i in range(n)
    ]
    return {channel.pk: channel.apprise_url for channel in made}


def read_back() -> dict[int, str | None]:
    return {pk: Integration.objects.get(pk=pk).apprise_url for pk in stored()}


def stored() -> dict[int, str]:
    """The ciphertexts as they are in the table."""
    raw = Integration.objects.values_list("pk", Cast("apprise_url", models.TextField()))
    return dict(raw)


def rotate_keys(*args) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_after_rotating_the_old_key_can_be_removed(keys):
    keys([OLD])
    urls = channels(5)
    keys([NEW, OLD])

    output = rotate_keys("--batch-size", "2")

    keys([NEW])
    assert read_back() == urls
    assert "integrations.Integration.apprise_url: 5 re-encrypted" in output
    for url in urls.values():
        assert url not in output
    assert "s3cret" not in output and "t0ken" not in output and "hooks.example.org" not in output


def test_without_rotating_removing_the_old_key_loses_the_urls(keys):
    keys([OLD])
    urls = channels()
    keys([NEW])
    assert set(read_back().values()) == {None}
    keys([NEW, OLD])
    assert read_back() == urls  # still there while the old key is listed


def test_rotating_twice_changes_nothing_the_second_time(keys):
    keys([OLD])
    urls = channels()
    keys([NEW, OLD])
    rotate_keys()
    ciphertexts = stored()

    output = rotate_keys()

    assert "0 re-encrypted, 3 already under the first key, 0 not decryptable" in output
    assert stored() == ciphertexts
    keys([NEW])
    assert read_back() == urls


def test_values_no_key_can_read_are_left_alone_and_reported(keys):
    keys(["a-lost-key"])
    lost = channels(1)
    keys([OLD])
    urls = channels(2)
    before = stored()
    keys([NEW, OLD])

    with pytest.raises(CommandError, match="1 stored values cannot be decrypted"):
        rotate_keys()

    [lost_pk] = lost
    assert stored()[lost_pk] == before[lost_pk]
    keys([NEW])
    assert {pk: url for pk, url in read_back().items() if pk != lost_pk} == urls


def test_a_new_secret_key_is_rotated_in_the_same_way(keys, settings):
    old_secret = settings.SECRET_KEY
    keys([OLD])
    urls = channels()
    keys([OLD], secret_key="a-brand-new-secret-key-0f3a", fallbacks=[old_secret])

    rotate_keys()

    keys([OLD], secret_key="a-brand-new-secret-key-0f3a")
    assert read_back() == urls
