"""An encrypted text field that never hands back ciphertext as if it were the value."""

import logging

from cryptography.fernet import InvalidToken
from encrypted_fields.fields import EncryptedTextField

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
