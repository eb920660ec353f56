"""An encrypted text field that never hands back ciphertext as if it were the value."""

import logging

from cryptography.fernet import InvalidToken
from django.apps import apps
from encrypted_fields.fields import EncryptedFieldMixin, EncryptedTextField

logger = logging.getLogger(__name__)


class EncryptedSecretField(EncryptedTextField):
    """Fernet-encrypted at rest; None in memory when no configured key can decrypt it.

    The library's own field returns the ciphertext on a key mismatch, which would then be
    used as a URL; here the value is absent and the caller reports it.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return self.f.decrypt(value.encode()).decode()
        except InvalidToken:
            logger.warning("a stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS")
            return None


def encrypted_fields() -> list[tuple[type, EncryptedFieldMixin]]:
    """(model, field) for every Fernet-encrypted field of every installed model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedFieldMixin)
    ]


def forget_keys() -> None:
    """Drop the keys each encrypted field derived (and cached) from the settings it first saw."""
    for _, field in encrypted_fields():
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)
