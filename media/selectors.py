from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet

from media.models import Image
from media.storage import SignedUrl, local_signed_storage, media_storage, storage_errors


def image_list(*, actor: Any) -> QuerySet[Image]:
    """`actor`'s confirmed images. Pending uploads are not images yet; other owners' images
    are invisible to everyone through the API, staff included."""
    return Image.objects.filter(owner=actor, confirmed=True)


def image_url(*, image: Image, now: datetime | None = None, expires_in: int | None = None) -> SignedUrl:
    """A presigned GET URL for the image, valid MEDIA_URL_EXPIRE_SECONDS (or `expires_in`).
    Signing is local computation on both backends: no query, no network call, so a list may
    sign one URL per row."""
    seconds = settings.MEDIA_URL_EXPIRE_SECONDS if expires_in is None else expires_in
    return media_storage().signed_url(image.key, expires_in=seconds, now=now)


def signed_file_open(*, key: str, query: Mapping[str, str], now: datetime | None = None) -> tuple[IO[bytes], str]:
    """The object behind a local signed GET link, opened for reading, and its content type.
    PermissionDenied (403) for a bad or expired signature, NotFound (404) for a bad key or when
    storage is S3, FileNotFoundError when the object is gone."""
    storage = local_signed_storage(key)
    storage.verify("GET", key, query, now=now)
    with storage_errors():
        return storage.open(key, "rb"), storage.content_type(key)
