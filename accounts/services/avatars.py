"""Profile pictures. media stores and checks them; accounts decides which one is a user's.

An avatar is stored at `avatars/<user uuid>/<image uuid>.<ext>`. A user has at most one:
setting a new one deletes the previous image, whose object goes once the transaction commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO

from django.db import transaction

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from media.models import Image, ImageKind
from media.services import KeyBuilder, UploadTicket, image_confirm, image_delete, image_store, image_upload_start


def _avatar_key(user: User) -> KeyBuilder:
    return lambda image, extension: f"avatars/{user.uuid}/{image.uuid}.{extension}"


@transaction.atomic
def avatar_upload(*, actor: User, file: IO[bytes], now: datetime | None = None) -> User:
    """Store an uploaded file as `actor`'s avatar in one step (validated and re-encoded by
    media; the quota does not count the avatar it replaces)."""
    user = User.objects.select_for_update(of=("self",)).select_related("avatar").get(pk=actor.pk)
    replaced = user.avatar
    image = image_store(owner=user, kind=ImageKind.AVATAR, file=file, key=_avatar_key(user), replaces=replaced, now=now)
    return _point_at(user=user, image=image, replaced=replaced)


def avatar_upload_start(*, actor: User, content_type: str, byte_size: int, now: datetime | None = None) -> UploadTicket:
    """A presigned PUT for a direct upload from the browser to storage, accepting exactly
    `content_type` and `byte_size` bytes. Finish with `avatar_confirm(key=ticket.image.key)`."""
    return image_upload_start(
        owner=actor,
        kind=ImageKind.AVATAR,
        content_type=content_type,
        byte_size=byte_size,
        replaces=_current_avatar(actor),
        now=now,
    )


def avatar_confirm(*, actor: User, key: str) -> User:
    """Check the file uploaded to `key` and make it `actor`'s avatar.

    Deliberately not one transaction: media discards a refused upload (object and pending
    row) and that must stick although the refusal is raised. media confirms the image and
    deletes the previous avatar in its transaction; this service then points the profile at
    the new one in a second."""
    replaced = _current_avatar(actor)
    image = image_confirm(owner=actor, key=key, kind=ImageKind.AVATAR, final_key=_avatar_key(actor), replaces=replaced)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        return _point_at(user=user, image=image, replaced=replaced)


@transaction.atomic
def avatar_remove(*, actor: User) -> User:
    """Delete `actor`'s avatar, if any (idempotent)."""
    user = User.objects.select_for_update(of=("self",)).select_related("avatar").get(pk=actor.pk)
    if user.avatar is not None:
        image_delete(actor=user, image=user.avatar)
        audit_record(
            actor=user, action=Action.USER_AVATAR_CHANGE, target=user, changes={"avatar": [str(user.avatar.uuid), None]}
        )
        user.avatar = None
    return user


def _current_avatar(user: User) -> Image | None:
    return User.objects.select_related("avatar").get(pk=user.pk).avatar


def _point_at(*, user: User, image: Image, replaced: Image | None) -> User:
    """Point the locked `user` at `image`. media has deleted `replaced` already; an avatar the
    profile still points at was set by a concurrent request and goes too (last one wins)."""
    current_id = User.objects.filter(pk=user.pk).values_list("avatar_id", flat=True).get()
    stray = Image.objects.filter(pk=current_id).first() if current_id not in (None, image.pk) else None
    user.avatar = image
    user.save(update_fields=["avatar"])
    if stray is not None:
        image_delete(actor=user, image=stray)
    audit_record(
        actor=user,
        action=Action.USER_AVATAR_CHANGE,
        target=user,
        changes={"avatar": [str(replaced.uuid) if replaced else None, str(image.uuid)]},
    )
    return user
