"""Against a real S3 API (`rclone serve s3`, started by the root conftest): signatures,
expiry, the public endpoint, and what happens when the server goes away."""

import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from media.errors import StorageUnavailable
from media.models import Image, ImageKind
from media.selectors import image_url
from media.services import image_store
from media.tests.factories import new_seed_key, png_bytes

pytestmark = pytest.mark.django_db


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test's own server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def store(owner):
    return image_store(owner=owner, kind=ImageKind.LAP_IMAGE, file=png_bytes(), key=new_seed_key(owner))


def test_a_presigned_url_works_over_http_until_it_expires(s3_media, user):
    image = store(user)
    url = image_url(image=image, expires_in=1).url

    assert get(url) == (200, s3_media.read(image.key))
    time.sleep(2.2)  # S3 signatures count whole seconds
    status, body = get(url)
    assert status in (400, 403)
    assert b"AccessDenied" in body


def test_a_tampered_presigned_url_is_refused(s3_media, user):
    image = store(user)
    parts = urlsplit(image_url(image=image).url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    signature = query["X-Amz-Signature"]
    query["X-Amz-Signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]

    status, body = get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}")

    assert status == 403
    assert b"SignatureDoesNotMatch" in body


def test_another_key_cannot_be_read_with_a_url_signed_for_one(s3_media, user, other_user):
    mine, theirs = store(user), store(other_user)
    url = image_url(image=mine).url.replace(mine.key, theirs.key)
    assert get(url)[0] == 403


def test_presigned_urls_use_the_public_endpoint_when_one_is_set(settings, s3_server, s3_media, user):
    public = s3_server.endpoint_url.replace("127.0.0.1", "localhost")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_server.storage(s3_media.name, public_endpoint_url=public),
    }
    image = store(user)

    url = image_url(image=image).url

    assert url.startswith(f"{public}/{s3_media.name}/{image.key}?")
    assert get(url) == (200, s3_media.read(image.key))


def test_ready_checks_the_bucket(s3_media):
    response = Client().get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["detail"] == "s3"


def test_ready_is_503_when_the_bucket_is_missing(settings, s3_server):
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage("no-such-bucket")}
    response = Client().get("/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


def test_with_the_server_stopped_ready_and_uploads_are_503_json(settings, start_s3_server, client_for, user):
    server = start_s3_server()
    settings.STORAGES = {**settings.STORAGES, "default": server.storage("timekeep")}
    assert Client().get("/ready").status_code == 200
    server.stop()

    ready = Client().get("/ready")
    assert ready.status_code == 503
    assert ready.json()["failed"] == ["storage"]

    upload = client_for(user).post(
        "/api/v1/profiles/avatar/", {"file": SimpleUploadedFile("me.png", png_bytes())}, format="multipart"
    )
    assert upload.status_code == 503
    assert upload.json()["error"]["code"] == "storage_unavailable"
    assert upload["Retry-After"]
    with pytest.raises(StorageUnavailable):
        store(user)
    assert not Image.objects.exists()
