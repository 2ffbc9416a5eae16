"""Where image bytes live, and the signed, expiring URLs that reach them.

`settings.STORAGES["default"]` is one of two backends: config/settings.py picks
`S3MediaStorage` (media/s3.py, imported only when settings name it: it needs boto3) when an S3
endpoint is configured and `LocalMediaStorage` (below; files under MEDIA_ROOT) otherwise. Both
answer the same extra questions: a signed URL to GET or PUT one key (`signed_url`), readiness
(`check_ready`), a listing with modification times (`iter_objects`) for the orphan sweep, and
which errors mean an outage (`outage_errors`). media looks the storage up at call time
(`media_storage()`), so tests switch backends with the `settings` fixture.

The functions at the bottom are what the services use: they validate keys and turn a storage
outage into `StorageUnavailable` (503), never a 500.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from config.errors import NotFound, PermissionDenied
from media.errors import PayloadTooLarge, StorageUnavailable

if TYPE_CHECKING:
    from media.s3 import S3MediaStorage

MAX_KEY_LENGTH = 512
# Segments of letters, digits, `.`, `_`, `-`, never starting with a dot (no `..`, no hidden
# files): a key is the same path on every backend and needs no escaping in a URL.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


def validate_key(key: str) -> str:
    """A storage key as media writes it. Keys come from server code (key builders), so a bad
    one is a programming error: ValueError."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise ValueError(f"not a valid storage key: {key!r}")
    return key


@dataclass(frozen=True)
class SignedUrl:
    """A URL that works without credentials until `expires_at`. For a PUT, the client must send
    exactly `headers` (the content type and length are part of the signature)."""

    url: str
    expires_at: datetime
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)


class SignedUrls:
    """What both backends share: `signed_url` (and `url`, a GET link of the default lifetime);
    each backend signs in its `_presign`."""

    def signed_url(
        self,
        key: str,
        *,
        expires_in: int,
        method: str = "GET",
        content_type: str = "",
        content_length: int | None = None,
        now: datetime | None = None,
    ) -> SignedUrl:
        headers = {}
        if method == "PUT":
            headers = {"Content-Type": content_type, "Content-Length": str(content_length or 0)}
        url, expires_at = self._presign(
            key,
            method=method,
            expires_in=int(expires_in),
            content_type=content_type,
            content_length=content_length or 0,
            now=now or timezone.now(),
        )
        return SignedUrl(url, expires_at, method, headers)

    def _presign(
        self, key: str, *, method: str, expires_in: int, content_type: str, content_length: int, now: datetime
    ) -> tuple[str, datetime]:
        """The signed URL and when it expires."""
        raise NotImplementedError

    def url(self, name, parameters=None, expire=None, http_method=None):
        return self.signed_url(name, expires_in=expire or settings.MEDIA_URL_EXPIRE_SECONDS).url


class LocalMediaStorage(SignedUrls, FileSystemStorage):
    """Files under MEDIA_ROOT. Nothing there is public: `signed_url` gives links to
    `media.api.views.signed_file`, which checks an HMAC of the method, key, expiry and (for a
    PUT) content type and length, like an S3 presigned URL."""

    SALT = "media.local-signed-url"
    # What storage_errors turns into a 503.
    outage_errors: tuple[type[Exception], ...] = (OSError,)

    def __init__(self, **options):
        options.setdefault("allow_overwrite", True)  # a key names one object, as on S3
        super().__init__(**options)

    def _presign(self, key, *, method, expires_in, content_type, content_length, now):
        expires = int(now.timestamp()) + expires_in
        query: dict[str, str | int] = {"expires": expires}
        if method == "PUT":
            query.update(content_type=content_type, content_length=content_length)
        query["signature"] = self._signature(method, key, expires, content_type, content_length)
        base = (settings.MEDIA_PUBLIC_BASE_URL or "").rstrip("/")
        url = f"{base}{reverse('media:signed-file', kwargs={'key': key})}?{urlencode(query)}"
        return url, datetime.fromtimestamp(expires, UTC)

    def verify(
        self,
        method: str,
        key: str,
        query,
        *,
        content_type: str = "",
        content_length: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Check a request to a signed link: the query string's signature and expiry and, for a
        PUT, that the request's Content-Type and Content-Length are the signed ones. Raises
        PermissionDenied (403, `signature_invalid` or `url_expired`)."""
        invalid = PermissionDenied("This link is not valid.", code="signature_invalid")
        try:
            expires = int(query.get("expires", ""))
            signed_length = int(query.get("content_length", 0)) if method == "PUT" else 0
        except ValueError:
            raise invalid from None
        signed_type = query.get("content_type", "") if method == "PUT" else ""
        expected = self._signature(method, key, expires, signed_type, signed_length)
        if not constant_time_compare(expected, query.get("signature", "")):
            raise invalid
        if expires < (now or timezone.now()).timestamp():
            raise PermissionDenied("This link has expired.", code="url_expired")
        if method == "PUT" and (content_type != signed_type or content_length != str(signed_length)):
            raise PermissionDenied(
                "Send the Content-Type and Content-Length this link was signed for.", code="signature_invalid"
            )

    def _signature(self, method: str, key: str, expires: int, content_type: str, content_length: int) -> str:
        message = f"{method}\n{key}\n{expires}\n{content_type}\n{content_length}"
        return salted_hmac(self.SALT, message, algorithm="sha256").hexdigest()

    def check_ready(self) -> str:
        root = Path(self.location)
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".ready-"):
            pass
        return "filesystem"

    def iter_objects(self) -> Iterator[tuple[str, datetime]]:
        root = Path(self.location)
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder, name)
                try:
                    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                except FileNotFoundError:
                    continue  # deleted while we walk
                yield path.relative_to(root).as_posix(), modified

    def content_type(self, key: str) -> str:
        return mimetypes.guess_type(key)[0] or "application/octet-stream"


def __getattr__(name: str):
    # `media.storage.S3MediaStorage`, the name settings give the S3 backend, imported on first use.
    if name == "S3MediaStorage":
        from media.s3 import S3MediaStorage

        return S3MediaStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def media_storage() -> LocalMediaStorage | S3MediaStorage:
    storage = storages["default"]
    if isinstance(storage, LocalMediaStorage):
        return storage
    from media.s3 import S3MediaStorage  # already loaded when it is the backend

    if not isinstance(storage, S3MediaStorage):
        raise ImproperlyConfigured(
            "STORAGES['default'] must be media.storage.LocalMediaStorage or media.storage.S3MediaStorage."
        )
    return storage


def local_signed_storage(key: str) -> LocalMediaStorage:
    """The local backend, for answering one of its signed links to `key`. NotFound (404) for a
    key media would never write, and with S3, where the S3 server answers presigned URLs."""
    storage = media_storage()
    try:
        validate_key(key)
    except ValueError:
        raise NotFound("Not found.") from None
    if not isinstance(storage, LocalMediaStorage):
        raise NotFound("Not found.")
    return storage


@contextlib.contextmanager
def storage_errors():
    """A storage outage (server down, bucket missing, credentials refused, disk full) is a 503
    the client may retry. A missing object stays FileNotFoundError for the caller to judge."""
    outage_errors = media_storage().outage_errors
    try:
        yield
    except FileNotFoundError:
        raise
    except outage_errors as exc:
        raise StorageUnavailable("Image storage is unavailable; try again shortly.") from exc


def object_put(key: str, data: bytes, *, content_type: str) -> None:
    content = ContentFile(data)
    content.content_type = content_type  # S3Storage sends it as the object's Content-Type
    with storage_errors():
        stored = media_storage().save(validate_key(key), content)
    if stored != key:
        raise RuntimeError(f"storage renamed {key!r} to {stored!r}")


def object_read(key: str, *, limit: int) -> bytes:
    """The object's bytes. FileNotFoundError when it does not exist, PayloadTooLarge (without
    downloading it) when it is over `limit` bytes."""
    storage = media_storage()
    with storage_errors():
        size = storage.size(validate_key(key))
        if size > limit:
            raise PayloadTooLarge(
                f"The uploaded file is larger than {limit} bytes.",
                code="file_too_large",
                fields={"file": [f"At most {limit} bytes."]},
            )
        with storage.open(key, "rb") as handle:
            return handle.read(limit + 1)


def object_delete(key: str) -> None:
    """Delete one object; deleting a missing object is not an error."""
    with storage_errors():
        media_storage().delete(validate_key(key))
