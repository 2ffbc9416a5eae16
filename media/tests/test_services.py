import io
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from PIL import Image as PillowImage

from config.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from media.errors import PayloadTooLarge
from media.models import Image, ImageKind
from media.selectors import image_url
from media.services import image_confirm, image_delete, image_store, image_upload_start
from media.tests.factories import jpeg_bytes, new_seed_key, noise_png, png_bytes, png_header_only, seed_key

pytestmark = pytest.mark.django_db


def store(owner, data=None, **kwargs):
    kwargs.setdefault("key", new_seed_key(owner))
    return image_store(owner=owner, kind=ImageKind.LAP_IMAGE, file=data or png_bytes(), **kwargs)


def test_a_lap_image_lands_at_exactly_the_seed_layout_key(media_backend, user):
    session_id, lap_id = uuid.uuid4(), uuid.uuid4()

    image = store(user, key=seed_key(user.uuid, session_id, lap_id))

    assert image.key == f"{user.uuid}/{session_id}/{lap_id}_{image.uuid}.png"
    assert media_backend.keys() == [image.key]
    stored = media_backend.read(image.key)
    assert (image.byte_size, image.width, image.height) == (len(stored), 8, 6)
    assert (image.content_type, image.kind, image.confirmed) == ("image/png", ImageKind.LAP_IMAGE, True)
    assert PillowImage.open(io.BytesIO(stored)).format == "PNG"


def test_the_format_comes_from_the_content_not_the_file_name(media_backend, user):
    upload = io.BytesIO(jpeg_bytes())
    upload.name = "holiday.png"

    image = store(user, upload)

    assert image.key.endswith(".jpeg")
    assert image.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        (b"", ValidationFailed, "empty_file"),
        (b"I am text, named picture.png", ValidationFailed, "unsupported_format"),
        (png_header_only(20_000, 20_000), ValidationFailed, "too_many_pixels"),
        (noise_png(40, 40), PayloadTooLarge, "file_too_large"),
    ],
)
def test_a_refused_upload_leaves_nothing_behind(media_backend, user, settings, data, error, code):
    settings.MAX_UPLOAD_BYTES = 2000
    with pytest.raises(error) as refused:
        image_store(owner=user, kind=ImageKind.LAP_IMAGE, file=data, key=new_seed_key(user))
    assert refused.value.code == code
    assert media_backend.keys() == []
    assert not Image.objects.exists()


def test_a_png_with_html_appended_is_refused_and_nothing_is_stored(media_backend, user):
    tail = b"<html><body onload=alert(1)></body></html>"
    with pytest.raises(ValidationFailed) as refused:
        store(user, png_bytes() + tail)
    assert refused.value.code == "trailing_data"
    assert media_backend.keys() == []
    assert not Image.objects.exists()


def test_the_quota_counts_every_stored_byte_of_the_owner(media_backend, user, other_user, settings):
    first = store(user)
    store(other_user)  # someone else's bytes do not count
    settings.USER_MEDIA_QUOTA_BYTES = first.byte_size * 2 + 10

    store(user)
    with pytest.raises(PayloadTooLarge) as refused:
        store(user)

    assert refused.value.code == "quota_exceeded"
    assert refused.value.extra["quota_bytes"] == settings.USER_MEDIA_QUOTA_BYTES
    assert Image.objects.filter(owner=user).count() == 2
    assert len(media_backend.keys()) == 3


def test_a_replaced_image_does_not_count_against_the_quota_and_goes_after_commit(
    media_backend, user, settings, django_capture_on_commit_callbacks
):
    old = store(user)
    settings.USER_MEDIA_QUOTA_BYTES = old.byte_size + 10

    with django_capture_on_commit_callbacks(execute=True):
        new = store(user, replaces=old)

    assert list(Image.objects.all()) == [new]
    assert media_backend.keys() == [new.key]


def test_an_image_cannot_replace_someone_elses(local_media, user, other_user):
    theirs = store(other_user)
    with pytest.raises(ValueError, match="same owner"):
        store(user, replaces=theirs)
    assert Image.objects.filter(owner=user).count() == 0


def test_a_key_builder_cannot_escape_the_layout(local_media, user):
    with pytest.raises(ValueError, match="storage key"):
        store(user, key=lambda image, ext: f"../../etc/{image.uuid}.{ext}")
    assert not Image.objects.exists()
    assert not list(local_media.rglob("*.png"))


def test_the_same_key_twice_is_a_conflict(local_media, user):
    store(user, key=lambda image, ext: f"fixed/name.{ext}")
    with pytest.raises(Conflict):
        store(user, key=lambda image, ext: f"fixed/name.{ext}")


def test_deleting_removes_the_object_only_after_commit(media_backend, user, django_capture_on_commit_callbacks):
    image = store(user)

    with django_capture_on_commit_callbacks() as callbacks:
        image_delete(actor=user, image=image)
    assert not Image.objects.exists()
    assert media_backend.keys() == [image.key]  # the transaction has not committed yet

    for callback in callbacks:
        callback()
    assert media_backend.keys() == []


def test_a_rolled_back_delete_keeps_the_object(local_media, user, django_capture_on_commit_callbacks):
    image = store(user)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        image_delete(actor=user, image=image)
        raise RuntimeError("something later in the request failed")
    assert Image.objects.filter(uuid=image.uuid).exists()
    assert (local_media / image.key).exists()


def test_only_the_owner_or_a_superuser_may_delete(local_media, user, other_user, admin_user, staff):
    image = store(user)
    for stranger in (other_user, staff):
        with pytest.raises(NotFound):
            image_delete(actor=stranger, image=image)
    image_delete(actor=admin_user, image=image)
    assert not Image.objects.exists()


def test_deleting_a_user_removes_their_objects_after_commit(
    media_backend, user, other_user, django_capture_on_commit_callbacks
):
    store(user)
    store(user)
    kept = store(other_user)

    with django_capture_on_commit_callbacks(execute=True):
        user.delete()

    assert media_backend.keys() == [kept.key]


def test_an_upload_ticket_signs_exactly_what_may_be_put(media_backend, user):
    data = png_bytes()
    ticket = image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=len(data))

    assert ticket.image.key == f"uploads/{ticket.image.uuid}"
    assert not ticket.image.confirmed
    assert ticket.upload.method == "PUT"
    assert ticket.upload.headers == {"Content-Type": "image/png", "Content-Length": str(len(data))}
    wrong_type = {**ticket.upload.headers, "Content-Type": "image/jpeg"}
    assert media_backend.fetch(ticket.upload.url, method="PUT", data=data, headers=wrong_type)[0] == 403
    longer = data + b"more"
    longer_headers = {**ticket.upload.headers, "Content-Length": str(len(longer))}
    assert media_backend.fetch(ticket.upload.url, method="PUT", data=longer, headers=longer_headers)[0] == 403
    assert media_backend.keys() == []

    status, _ = media_backend.fetch(ticket.upload.url, method="PUT", data=data, headers=ticket.upload.headers)
    assert status == 200
    assert media_backend.keys() == [ticket.image.key]


def test_confirming_reencodes_to_the_final_key(media_backend, user, django_capture_on_commit_callbacks):
    data = jpeg_bytes(30, 20)
    ticket = image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=len(data))
    media_backend.fetch(ticket.upload.url, method="PUT", data=data, headers=ticket.upload.headers)

    with django_capture_on_commit_callbacks(execute=True):
        image = image_confirm(
            owner=user, key=ticket.image.key, kind=ImageKind.AVATAR, final_key=lambda i, ext: f"final/{i.uuid}.{ext}"
        )

    assert image.pk == ticket.image.pk
    assert (image.key, image.content_type, image.confirmed) == (f"final/{image.uuid}.jpeg", "image/jpeg", True)
    assert (image.width, image.height) == (30, 20)
    assert media_backend.keys() == [image.key]  # the staged upload is gone


def test_confirming_before_the_upload_is_a_conflict_and_keeps_the_ticket(local_media, user):
    ticket = image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=10)
    with pytest.raises(Conflict) as refused:
        image_confirm(owner=user, key=ticket.image.key, kind=ImageKind.AVATAR, final_key=lambda i, e: f"a/{i.uuid}")
    assert refused.value.code == "upload_missing"
    assert Image.objects.filter(pk=ticket.image.pk, confirmed=False).exists()


def test_a_refused_upload_is_discarded_on_confirm(media_backend, user):
    junk = b"<html>not an image</html>"
    ticket = image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=len(junk))
    media_backend.fetch(ticket.upload.url, method="PUT", data=junk, headers=ticket.upload.headers)
    assert media_backend.keys() == [ticket.image.key]

    with pytest.raises(ValidationFailed) as refused:
        image_confirm(owner=user, key=ticket.image.key, kind=ImageKind.AVATAR, final_key=lambda i, e: f"a/{i.uuid}")

    assert refused.value.code == "unsupported_format"
    assert media_backend.keys() == []
    assert not Image.objects.exists()


def test_only_the_owner_confirms_their_own_kind_of_upload(local_media, user, other_user):
    ticket = image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=10)

    def final(image, extension):
        return f"a/{image.uuid}.{extension}"

    with pytest.raises(NotFound):
        image_confirm(owner=other_user, key=ticket.image.key, kind=ImageKind.AVATAR, final_key=final)
    with pytest.raises(NotFound):
        image_confirm(owner=user, key=ticket.image.key, kind=ImageKind.LAP_IMAGE, final_key=final)


def test_pending_uploads_hold_their_declared_size_against_the_quota(local_media, user, settings):
    settings.USER_MEDIA_QUOTA_BYTES = 1500
    image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=1000)
    with pytest.raises(PayloadTooLarge) as refused:
        image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=1000)
    assert refused.value.code == "quota_exceeded"


@pytest.mark.parametrize(
    ("content_type", "byte_size", "code"),
    [
        ("image/gif", 100, "unsupported_format"),
        ("text/html", 100, "unsupported_format"),
        ("image/png", 0, "empty_file"),
        ("image/png", 10**30, "file_too_large"),
    ],
)
def test_an_upload_ticket_refuses_what_could_never_be_confirmed(local_media, user, content_type, byte_size, code):
    with pytest.raises(ApplicationError) as refused:
        image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type=content_type, byte_size=byte_size)
    assert refused.value.code == code
    assert not Image.objects.exists()


def test_signed_urls_expire_after_the_configured_lifetime(local_media, user, settings):
    settings.MEDIA_URL_EXPIRE_SECONDS = 90
    image = store(user)
    now = timezone.now()
    assert image_url(image=image, now=now).expires_at == (now + timedelta(seconds=90)).replace(microsecond=0)
