"""Every write to media: store an uploaded image, hand out and confirm presigned uploads,
receive an upload through a local signed link, delete, sweep orphans.

media knows no domain. The app that owns an image (tracking for lap images, accounts for
avatars) says where it is stored with a key builder, `key(image, extension) -> str`, called with
the unsaved `Image` (its `uuid` already set) and the extension of the decoded format (`png`,
`jpeg` or `webp`). Keys are segments of letters, digits, `.`, `_` and `-` joined by `/`.

Storage is not transactional, so the rules are: refusals happen before anything is written;
an object is deleted only after the transaction that deleted its row commits (the post_delete
receiver in media.signals); an object whose row never committed is an orphan that `media_sweep`
removes once it is older than MEDIA_ORPHAN_MAX_AGE_HOURS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from config.errors import Conflict, NotFound, ValidationFailed
from media.errors import PayloadTooLarge
from media.hooks import keys_in_use
from media.models import CONTENT_TYPES, Image, ImageKind
from media.processing import ProcessedImage, process_image, read_upload
from media.storage import (
    SignedUrl,
    local_signed_storage,
    media_storage,
    object_delete,
    object_put,
    object_read,
    storage_errors,
    validate_key,
)

logger = logging.getLogger(__name__)

KeyBuilder = Callable[[Image, str], str]

# Room for the multipart envelope around the file (boundaries, part headers, small fields).
MULTIPART_OVERHEAD_BYTES = 64 * 1024
SWEEP_BATCH = 1000


@dataclass(frozen=True)
class UploadTicket:
    """A reserved upload: the pending `image` (under its staging key) and the presigned PUT."""

    image: Image
    upload: SignedUrl


@dataclass(frozen=True)
class SweepResult:
    expired_uploads: int
    orphan_objects: int


def upload_body_check(*, content_length: str | None) -> None:
    """Refuse (413) a request whose body is too large to hold an acceptable file, before the
    server reads and spools it. Views call this before touching `request.data`."""
    try:
        length = int(content_length or 0)
    except ValueError:
        return  # Django's own parser rejects a malformed length
    limit = settings.MAX_UPLOAD_BYTES
    if length > limit + MULTIPART_OVERHEAD_BYTES:
        raise PayloadTooLarge(
            f"The file is larger than {limit} bytes.",
            code="file_too_large",
            fields={"file": [f"At most {limit} bytes."]},
        )


@transaction.atomic
def image_store(
    *,
    owner: Any,
    kind: ImageKind | str,
    file: IO[bytes] | bytes,
    key: KeyBuilder,
    replaces: Image | None = None,
    now: datetime | None = None,
) -> Image:
    """Validate, re-encode and store an uploaded image for `owner`; returns the confirmed Image.

    A lap image in the Just Like Clockwork layout, as tracking stores it (inside its own
    transaction, after checking the lap is the requester's):

        image = image_store(
            owner=request.user,
            kind=ImageKind.LAP_IMAGE,
            file=validated["file"],
            key=lambda image, ext: f"{request.user.uuid}/{lap.session.uuid}/{lap.uuid}_{image.uuid}.{ext}",
        )

    Refusals come before anything is written: ValidationFailed (400: `empty_file`,
    `unsupported_format`, `too_many_pixels`, `invalid_image`) and PayloadTooLarge (413:
    `file_too_large`, `quota_exceeded`). The quota check locks the owner's row, so one owner's
    uploads queue behind each other instead of racing past the quota. The object is written
    inside the transaction: StorageUnavailable (503) rolls the row back; if the caller's
    transaction rolls back later, the object is an orphan for `media_sweep`.

    `replaces`: an image of the same owner that this one supersedes (an old avatar). Its bytes
    do not count against the quota and it is deleted in this transaction.
    """
    kind = ImageKind(kind)
    processed = process_image(read_upload(file))
    _lock_owner(owner)
    _check_quota(owner=owner, adding=len(processed.data), excluding=[replaces])
    image = Image(owner=owner, kind=kind, created_at=now or timezone.now(), confirmed=True)
    _fill(image, processed)
    image.key = validate_key(key(image, processed.extension))
    _insert(image)
    object_put(image.key, processed.data, content_type=processed.content_type)
    _delete_replaced(owner=owner, replaces=replaces)
    return image


@transaction.atomic
def image_upload_start(
    *,
    owner: Any,
    kind: ImageKind | str,
    content_type: str,
    byte_size: int,
    replaces: Image | None = None,
    now: datetime | None = None,
) -> UploadTicket:
    """Reserve a direct upload from the client to storage: a pending Image under the staging
    key `uploads/<image uuid>` and a presigned PUT that accepts exactly `content_type` and
    `byte_size` bytes until MEDIA_UPLOAD_URL_EXPIRE_SECONDS. Finish with `image_confirm`.

    The declared size counts against the owner's quota while the upload is pending, which
    bounds what a client can park in storage without confirming; the sweep drops pending
    uploads after MEDIA_ORPHAN_MAX_AGE_HOURS."""
    if content_type not in CONTENT_TYPES:
        raise ValidationFailed(
            "Only PNG, JPEG and WebP images are accepted.",
            code="unsupported_format",
            fields={"content_type": [f"One of {', '.join(CONTENT_TYPES)}."]},
        )
    limit = settings.MAX_UPLOAD_BYTES
    if byte_size > limit:
        raise PayloadTooLarge(
            f"The file is larger than {limit} bytes.",
            code="file_too_large",
            fields={"byte_size": [f"At most {limit} bytes."]},
        )
    if byte_size < 1:
        raise ValidationFailed("The file is empty.", code="empty_file", fields={"byte_size": ["At least 1 byte."]})
    now = now or timezone.now()
    _lock_owner(owner)
    _check_quota(owner=owner, adding=byte_size, excluding=[replaces])
    image = Image(owner=owner, kind=ImageKind(kind), content_type=content_type, byte_size=byte_size, created_at=now)
    image.key = f"uploads/{image.uuid}"
    _insert(image)
    upload = media_storage().signed_url(
        image.key,
        method="PUT",
        content_type=content_type,
        content_length=byte_size,
        expires_in=settings.MEDIA_UPLOAD_URL_EXPIRE_SECONDS,
        now=now,
    )
    return UploadTicket(image=image, upload=upload)


def image_confirm(
    *,
    owner: Any,
    key: str,
    kind: ImageKind | str,
    final_key: KeyBuilder,
    replaces: Image | None = None,
) -> Image:
    """Check what the client uploaded to the staging `key` of a pending image of `kind`,
    re-encode it to `final_key(image, extension)` and mark the image confirmed; returns it.

    NotFound (404) when `owner` has no pending upload under `key`; Conflict (409,
    `upload_missing`) when nothing has been uploaded yet (the upload URL may still be used).
    A refused file (the same 400/413 errors as `image_store`) is discarded on the spot, object
    and pending row, so do not call this inside a transaction of your own: a rollback would
    bring the pending row back (harmlessly, until the sweep). The success path is one
    transaction: the final object is written, the staging object is deleted after commit, and
    `replaces` is deleted as in `image_store`."""
    pending = Image.objects.filter(owner=owner, key=key, kind=kind, confirmed=False).first()
    if pending is None:
        raise NotFound("No pending upload with this key.", fields={"key": ["Not a pending upload of yours."]})
    try:
        data = object_read(key, limit=settings.MAX_UPLOAD_BYTES)
    except FileNotFoundError:
        raise Conflict(
            "Nothing has been uploaded to this key yet.",
            code="upload_missing",
            fields={"key": ["Upload the file with the presigned URL first."]},
        ) from None
    except PayloadTooLarge:
        _discard(pending)
        raise
    try:
        processed = process_image(data)
        with transaction.atomic():
            image = _confirm_locked(
                owner=owner, pending=pending, processed=processed, final_key=final_key, replaces=replaces
            )
    except (ValidationFailed, PayloadTooLarge):
        _discard(pending)
        raise
    if image.key != key:
        transaction.on_commit(lambda: _delete_quietly(key))
    return image


def _confirm_locked(
    *, owner: Any, pending: Image, processed: ProcessedImage, final_key: KeyBuilder, replaces: Image | None
) -> Image:
    _lock_owner(owner)
    image = Image.objects.select_for_update().filter(pk=pending.pk, confirmed=False).first()
    if image is None:
        raise NotFound("No pending upload with this key.", fields={"key": ["Not a pending upload of yours."]})
    _check_quota(owner=owner, adding=len(processed.data), excluding=[image, replaces])
    _fill(image, processed)
    image.key = validate_key(final_key(image, processed.extension))
    image.confirmed = True
    try:
        with transaction.atomic():
            image.save(update_fields=["key", "content_type", "byte_size", "width", "height", "confirmed"])
    except IntegrityError as exc:
        raise Conflict("An image is already stored under this key.", code="key_taken") from exc
    object_put(image.key, processed.data, content_type=processed.content_type)
    _delete_replaced(owner=owner, replaces=replaces)
    return image


@transaction.atomic
def image_delete(*, actor: Any, image: Image) -> None:
    """Delete an image: the row now, the stored object once this commits. The owner may, and
    a superuser (ADMIN, from the admin console); anyone else gets NotFound."""
    if image.owner_id != actor.pk and not getattr(actor, "is_superuser", False):
        raise NotFound("Image not found.")
    audit_record(
        actor=actor,
        action=Action.IMAGE_DELETE,
        target=image,
        changes={"kind": image.kind, "key": image.key, "byte_size": image.byte_size},
    )
    image.delete()


def signed_upload_receive(
    *,
    key: str,
    query: Mapping[str, str],
    content_type: str,
    content_length: str | None,
    body: IO[bytes],
    now: datetime | None = None,
) -> None:
    """Store the body of a PUT to a local signed upload link (the stand-in for an S3 presigned
    PUT). The signature, expiry, Content-Type and Content-Length are checked before anything is
    read: PermissionDenied (403) otherwise, NotFound (404) for a bad key or when storage is S3.
    The body must be exactly the signed length (400 `bad_request`)."""
    storage = local_signed_storage(key)
    storage.verify("PUT", key, query, content_type=content_type, content_length=content_length, now=now)
    length = int(content_length)  # verified equal to the signed length
    data = body.read(length + 1)
    if len(data) != length:
        raise ValidationFailed("The body is not Content-Length bytes long.", code="bad_request")
    object_put(key, data, content_type=content_type)


def media_sweep(*, now: datetime | None = None) -> SweepResult:
    """Delete pending uploads older than MEDIA_ORPHAN_MAX_AGE_HOURS (row and object) and stored
    objects of that age that no row refers to. Safe to repeat: a second run finds nothing.

    Younger objects are left alone: their row may belong to a transaction still in flight.
    Objects whose names media would never write (`.`-prefixed temporary files) are skipped."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.MEDIA_ORPHAN_MAX_AGE_HOURS)
    with transaction.atomic():
        expired = Image.objects.filter(confirmed=False, created_at__lt=cutoff)
        # Their objects go when this commits (media.signals); the walk below must not count them.
        expired_keys = set(expired.values_list("key", flat=True))
        _, deleted = expired.delete()
    expired_uploads = deleted.get(Image._meta.label, 0)
    orphans = 0
    with storage_errors():
        candidates = (key for key, modified in media_storage().iter_objects() if modified < cutoff and _is_key(key))
        while batch := list(islice(candidates, SWEEP_BATCH)):
            known = expired_keys | set(Image.objects.filter(key__in=batch).values_list("key", flat=True))
            for claimed in keys_in_use.call(batch):  # objects other apps keep without an Image row
                known |= set(claimed)
            for key in batch:
                if key not in known:
                    object_delete(key)
                    orphans += 1
    return SweepResult(expired_uploads=expired_uploads, orphan_objects=orphans)


def object_delete_after_commit(key: str, *, using: str | None = None) -> None:
    """Delete the object at `key` once the current transaction commits (immediately outside
    one). A failure is logged, not raised: the row is already gone and the sweep retries."""
    transaction.on_commit(lambda: _delete_quietly(key), using=using)


def _delete_quietly(key: str) -> None:
    try:
        object_delete(key)
    except Exception:  # the sweep removes what is left behind
        logger.warning("could not delete stored object %s; media_sweep will retry", key, exc_info=True)


def _is_key(key: str) -> bool:
    try:
        validate_key(key)
    except ValueError:
        return False
    return True


def _lock_owner(owner: Any) -> None:
    # media does not know the user model's fields; locking the row is enough to serialise one
    # owner's quota checks (on SQLite, IMMEDIATE transactions serialise all writers anyway).
    list(get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))


def _check_quota(*, owner: Any, adding: int, excluding: list[Image | None]) -> None:
    quota = settings.USER_MEDIA_QUOTA_BYTES
    images = Image.objects.filter(owner=owner).exclude(pk__in=[i.pk for i in excluding if i is not None])
    used = images.aggregate(total=Sum("byte_size"))["total"] or 0
    if used + adding > quota:
        raise PayloadTooLarge(
            f"This image ({adding} bytes) would exceed your storage quota: {used} of {quota} bytes are used.",
            code="quota_exceeded",
            extra={"quota_bytes": quota, "used_bytes": used},
        )


def _fill(image: Image, processed: ProcessedImage) -> None:
    image.content_type = processed.content_type
    image.byte_size = len(processed.data)
    image.width = processed.width
    image.height = processed.height


def _insert(image: Image) -> None:
    try:
        with transaction.atomic():
            image.save(force_insert=True)
    except IntegrityError as exc:
        raise Conflict("An image is already stored under this key.", code="key_taken") from exc


def _delete_replaced(*, owner: Any, replaces: Image | None) -> None:
    if replaces is None:
        return
    if replaces.owner_id != owner.pk:
        raise ValueError("an image can only replace another image of the same owner")
    Image.objects.filter(pk=replaces.pk).delete()


def _discard(pending: Image) -> None:
    """Drop a refused upload: the staged object at once, the pending row with it."""
    _delete_quietly(pending.key)
    Image.objects.filter(pk=pending.pk, confirmed=False).delete()
