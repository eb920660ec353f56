"""Re-encrypt every stored secret with the current first key, so older keys can be removed.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS, keep the old ones after it, run this
command, then remove the old keys. (A new SECRET_KEY works the same way, with the old one in
SECRET_KEY_FALLBACKS.) Only counts are printed, never a value.
"""

from collections import Counter

from cryptography.fernet import Fernet, InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from integrations.fields import encrypted_fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field value with the first key of FIELD_ENCRYPTION_KEYS "
        "(with SECRET_KEY); run it before removing an old key. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        unreadable = 0
        for model, field in encrypted_fields():
            counts = rotate(model, field, batch_size=batch_size)
            unreadable += counts["unreadable"]
            self.stdout.write(
                f"{model._meta.label}.{field.name}: {counts['rotated']} re-encrypted, "
                f"{counts['current']} already under the first key, "
                f"{counts['unreadable']} not decryptable"
            )
        if unreadable:
            raise CommandError(
                f"{unreadable} stored values cannot be decrypted with any configured key and "
                "were left as they are; do not remove old keys until they are accounted for."
            )


def rotate(model, field, *, batch_size: int) -> Counter:
    """Re-encrypt one field's values in batches; how many were rotated, current, unreadable."""
    counts = Counter(rotated=0, current=0, unreadable=0)
    first = Fernet(field.keys[0])  # the key MultiFernet encrypts with
    # The column as stored: a plain text cast skips the field's own decryption.
    rows = model._base_manager.order_by("pk").values_list(
        "pk", Cast(field.attname, models.TextField())
    )
    last_pk = None
    while True:
        with transaction.atomic():
            batch_rows = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            # Locked until written back: a concurrent edit cannot be overwritten by old text.
            batch = list(batch_rows.select_for_update()[:batch_size])
            if not batch:
                return counts
            last_pk = batch[-1][0]
            changed = []
            for pk, token in batch:
                if not token:
                    continue
                try:
                    first.decrypt(token.encode())
                except InvalidToken:
                    pass
                else:
                    counts["current"] += 1
                    continue
                try:
                    plain = field.f.decrypt(token.encode()).decode()
                except InvalidToken:
                    counts["unreadable"] += 1
                    continue
                # Saving the plain value encrypts it with the first key (the field's own prep).
                changed.append(model(pk=pk, **{field.attname: plain}))
            model._base_manager.bulk_update(changed, [field.attname])
            counts["rotated"] += len(changed)
