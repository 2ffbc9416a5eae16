import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage

from accounts.models import User
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from media.models import Image, ImageKind
from media.services import image_store
from media.tests.factories import jpeg_bytes, noise_png, png_bytes, png_header_only, webp_bytes

pytestmark = pytest.mark.django_db

AVATAR = "/api/v1/profiles/avatar/"
UPLOAD_URL = "/api/v1/profiles/avatar/upload-url/"
CONFIRM = "/api/v1/profiles/avatar/confirm/"


def upload(client, data: bytes, name: str = "me.png"):
    return client.post(AVATAR, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def decoded(data: bytes) -> PillowImage.Image:
    return PillowImage.open(io.BytesIO(data))


def test_a_direct_upload_becomes_the_avatar_and_me_shows_it(media_backend, client_for, user):
    client = client_for(user)

    response = upload(client, webp_bytes(12, 9))

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.avatar.key == f"avatars/{user.uuid}/{user.avatar.uuid}.webp"
    assert media_backend.keys() == [user.avatar.key]
    assert response.json()["avatar_url"]
    me = client.get("/api/v1/auth/me/").json()
    status, content = media_backend.fetch(me["avatar_url"])
    assert status == 200
    assert decoded(content).format == "WEBP"
    assert decoded(content).size == (12, 9)
    assert AuditEvent.objects.filter(action="user.avatar_change", actor=user).exists()


def test_a_new_avatar_replaces_and_deletes_the_old_one(
    media_backend, client_for, user, django_capture_on_commit_callbacks
):
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, png_bytes())
    old = User.objects.get(pk=user.pk).avatar

    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, jpeg_bytes()).status_code == 200

    new = User.objects.get(pk=user.pk).avatar
    assert new.key.endswith(".jpeg")
    assert list(Image.objects.all()) == [new]
    assert media_backend.keys() == [new.key]
    assert not Image.objects.filter(uuid=old.uuid).exists()


def test_the_presigned_flow_upload_url_put_confirm(media_backend, client_for, user, django_capture_on_commit_callbacks):
    client = client_for(user)
    data = png_bytes(16, 16)

    ticket = client.post(UPLOAD_URL, {"content_type": "image/png", "byte_size": len(data)})
    assert ticket.status_code == 201
    body = ticket.json()
    assert body["method"] == "PUT"
    assert body["headers"] == {"Content-Type": "image/png", "Content-Length": str(len(data))}
    assert body["expires_at"].endswith("Z")
    status, _ = media_backend.fetch(body["upload_url"], method="PUT", data=data, headers=body["headers"])
    assert status == 200
    assert media_backend.keys() == [body["key"]]

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(CONFIRM, {"key": body["key"]})

    assert confirmed.status_code == 200
    user.refresh_from_db()
    assert user.avatar.confirmed
    assert user.avatar.key == f"avatars/{user.uuid}/{user.avatar.uuid}.png"
    assert media_backend.keys() == [user.avatar.key]  # the staged upload is gone
    status, content = media_backend.fetch(confirmed.json()["avatar_url"])
    assert (status, decoded(content).size) == (200, (16, 16))
    assert client.post(CONFIRM, {"key": body["key"]}).status_code == 404  # a ticket is used once


def test_confirming_replaces_the_previous_avatar(media_backend, client_for, user, django_capture_on_commit_callbacks):
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, png_bytes())
    data = jpeg_bytes()
    body = client.post(UPLOAD_URL, {"content_type": "image/jpeg", "byte_size": len(data)}).json()
    media_backend.fetch(body["upload_url"], method="PUT", data=data, headers=body["headers"])

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(CONFIRM, {"key": body["key"]}).status_code == 200

    avatar = User.objects.get(pk=user.pk).avatar
    assert list(Image.objects.all()) == [avatar]
    assert media_backend.keys() == [avatar.key]


def test_confirming_a_file_that_is_not_an_image_discards_it(media_backend, client_for, user):
    client = client_for(user)
    junk = b"<svg onload=alert(1)>"
    body = client.post(UPLOAD_URL, {"content_type": "image/png", "byte_size": len(junk)}).json()
    media_backend.fetch(body["upload_url"], method="PUT", data=junk, headers=body["headers"])

    response = client.post(CONFIRM, {"key": body["key"]})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_format"
    assert media_backend.keys() == []
    assert not Image.objects.exists()
    assert User.objects.get(pk=user.pk).avatar is None


def test_confirm_before_the_upload_is_409_and_keys_of_others_are_404(local_media, client_for, user, other_user):
    body = client_for(user).post(UPLOAD_URL, {"content_type": "image/png", "byte_size": 100}).json()

    early = client_for(user).post(CONFIRM, {"key": body["key"]})
    assert (early.status_code, early.json()["error"]["code"]) == (409, "upload_missing")
    assert client_for(other_user).post(CONFIRM, {"key": body["key"]}).status_code == 404
    for junk in ("", "uploads/../../etc/passwd", "x" * 600, "avatars/nothing"):
        assert client_for(user).post(CONFIRM, {"key": junk}).status_code in (400, 404)
    assert client_for(user).post(CONFIRM, {}).status_code == 400


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"content_type": "image/gif", "byte_size": 100}, 400, "validation_error"),
        ({"content_type": "text/html", "byte_size": 100}, 400, "validation_error"),
        ({"content_type": "image/png", "byte_size": 0}, 400, "validation_error"),
        ({"content_type": "image/png", "byte_size": -5}, 400, "validation_error"),
        ({"content_type": "image/png", "byte_size": "lots"}, 400, "validation_error"),
        ({"content_type": "image/png", "byte_size": 10**40}, 413, "file_too_large"),
        ({"content_type": ["image/png"], "byte_size": 10}, 400, "validation_error"),
        ({"content_type": "image/png"}, 400, "validation_error"),
        ({}, 400, "validation_error"),
    ],
)
def test_upload_url_refuses_bad_requests(local_media, client_for, user, payload, status, code):
    response = client_for(user).post(UPLOAD_URL, payload)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not Image.objects.exists()


def test_upload_url_refuses_when_the_quota_is_used_up(local_media, client_for, user, settings):
    settings.USER_MEDIA_QUOTA_BYTES = 50
    response = client_for(user).post(UPLOAD_URL, {"content_type": "image/png", "byte_size": 100})
    assert (response.status_code, response.json()["error"]["code"]) == (413, "quota_exceeded")


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"", "me.png", 400, "empty_file"),
        (b"plain text, not a picture", "me.png", 400, "unsupported_format"),
        (noise_png(40, 40), "me.png", 413, "file_too_large"),
        (png_header_only(20_000, 20_000), "me.png", 400, "too_many_pixels"),
        (png_bytes(50, 50), "me.png", 400, "too_many_pixels"),
    ],
    ids=["empty", "text-renamed-png", "oversize", "pixel-bomb", "over-pixel-setting"],
)
def test_a_refused_direct_upload_leaves_nothing_behind(
    media_backend, client_for, user, settings, data, name, status, code
):
    settings.MAX_UPLOAD_BYTES = 3000
    settings.MAX_IMAGE_PIXELS = 2000

    response = upload(client_for(user), data, name)

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert media_backend.keys() == []
    assert not Image.objects.exists()


def test_an_upload_over_the_quota_leaves_nothing_behind(media_backend, client_for, user, settings):
    settings.USER_MEDIA_QUOTA_BYTES = 10
    response = upload(client_for(user), png_bytes())
    assert (response.status_code, response.json()["error"]["code"]) == (413, "quota_exceeded")
    assert media_backend.keys() == []


def test_a_png_with_html_appended_is_refused_and_leaves_nothing(media_backend, client_for, user):
    tail = b"<html><script>fetch('/api/v1/auth/me')</script></html>"
    response = upload(client_for(user), png_bytes() + tail)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "trailing_data")
    assert media_backend.keys() == []
    assert User.objects.get(pk=user.pk).avatar is None


def test_a_body_too_large_to_hold_an_acceptable_file_is_refused_before_parsing(local_media, client_for, user, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = upload(client_for(user), b"x" * 200_000)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "file_too_large")


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"file": "not a file"},
        {"file": [SimpleUploadedFile("a.png", png_bytes()), SimpleUploadedFile("b.png", png_bytes())]},
        {"file": SimpleUploadedFile("a.png", png_bytes()), "other": SimpleUploadedFile("b.png", png_bytes())},
    ],
    ids=["no-file", "text-field", "two-files", "extra-file-field"],
)
def test_a_direct_upload_needs_exactly_one_file(local_media, client_for, user, files):
    response = client_for(user).post(AVATAR, files, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"]
    assert not Image.objects.exists()


def test_a_direct_upload_must_be_multipart(local_media, client_for, user):
    response = client_for(user).post(AVATAR, {"file": "aGVsbG8="}, format="json")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_removing_the_avatar(media_backend, client_for, user, django_capture_on_commit_callbacks):
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, png_bytes())
        assert client.delete(AVATAR).status_code == 204

    assert client.get("/api/v1/auth/me/").json()["avatar_url"] is None
    assert media_backend.keys() == []
    assert not Image.objects.exists()
    assert client.delete(AVATAR).status_code == 204  # nothing left to remove is fine


def test_deleting_the_avatar_image_clears_the_profile(local_media, client_for, user):
    client = client_for(user)
    upload(client, png_bytes())
    avatar = User.objects.get(pk=user.pk).avatar
    assert client.delete(f"/api/v1/images/{avatar.uuid}/").status_code == 204
    assert client.get("/api/v1/auth/me/").json()["avatar_url"] is None


@pytest.mark.parametrize(
    ("method", "path"), [("post", AVATAR), ("delete", AVATAR), ("post", UPLOAD_URL), ("post", CONFIRM)]
)
def test_avatar_endpoints_need_a_signed_in_user(local_media, api_client, method, path):
    assert getattr(api_client, method)(path).status_code == 401


def test_the_seed_path_for_the_upload_url_works(local_media, client_for, user):
    response = client_for(user).post("/api/profiles/avatar/upload-url", {"content_type": "image/png", "byte_size": 9})
    assert response.status_code == 201


def test_the_user_list_signs_avatars(local_media, client_for, admin_user):
    for account in UserFactory.create_batch(6):
        image_store(
            owner=account,
            kind=ImageKind.AVATAR,
            file=png_bytes(),
            key=lambda image, ext, account=account: f"avatars/{account.uuid}/{image.uuid}.{ext}",
        )
        User.objects.filter(pk=account.pk).update(avatar=Image.objects.get(owner=account))
    client = client_for(admin_user)

    small = client.get("/api/v1/users/?page_size=2")
    large = client.get("/api/v1/users/?page_size=50")

    assert len(small.json()["results"]) == 2
    with_avatar = [row for row in large.json()["results"] if row["avatar_url"]]
    assert len(with_avatar) == 6
    assert all(row["avatar_url"].startswith("/api/v1/media/files/avatars/") for row in with_avatar)


def test_deleting_a_user_removes_their_avatar_object(
    media_backend, client_for, user, django_capture_on_commit_callbacks
):
    upload(client_for(user), png_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.get(pk=user.pk).delete()
    assert media_backend.keys() == []
