import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


class ImageKind(models.TextChoices):
    LAP_IMAGE = "lap_image", "Lap image"
    AVATAR = "avatar", "Avatar"


# The formats media accepts, by Pillow's format name: the stored file's extension and content type.
FORMAT_EXTENSIONS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
FORMAT_CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
CONTENT_TYPES = tuple(FORMAT_CONTENT_TYPES.values())


class Image(models.Model):
    """One stored image. The object lives in storage under `key`; this row is the only
    reference to it, so an object without a row is an orphan (see `media_sweep`).

    An upload through a presigned PUT URL starts unconfirmed under a staging key, with no size
    or dimensions; confirming it validates the object, re-encodes it to its final key and fills
    them in. Which lap or profile an image belongs to is recorded by the app that owns it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(max_length=16, choices=ImageKind.choices)
    key = models.CharField(max_length=512, unique=True)
    content_type = models.CharField(max_length=32)
    byte_size = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    confirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed=False) | Q(byte_size__gt=0, width__gt=0, height__gt=0),
                name="media_confirmed_has_size",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="media_key_not_empty"),
        ]
        indexes = [
            models.Index(fields=["owner", "kind"], name="media_image_owner_kind_idx"),
            models.Index(fields=["created_at"], condition=Q(confirmed=False), name="media_image_pending_idx"),
        ]

    def __str__(self) -> str:
        return self.key
