import io
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image as PillowImage

from audit.models import AuditEvent
from media.models import Image, ImageKind
from media.selectors import image_url
from media.services import image_store, image_upload_start
from media.tests.factories import new_seed_key, png_bytes

pytestmark = pytest.mark.django_db


def store(owner, data=None):
    return image_store(owner=owner, kind=ImageKind.LAP_IMAGE, file=data or png_bytes(), key=new_seed_key(owner))


def detail(image) -> str:
    return f"/api/v1/images/{image.uuid}/"


def test_an_image_answers_a_presigned_url_that_returns_it(media_backend, client_for, user):
    image = store(user)

    response = client_for(user).get(detail(image))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(image.uuid)
    assert (body["kind"], body["content_type"], body["width"], body["height"]) == ("lap_image", "image/png", 8, 6)
    assert body["byte_size"] == image.byte_size
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["expires_at"])
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=4) < expires_at - timezone.now() <= timedelta(minutes=5)
    status, content = media_backend.fetch(body["url"])
    assert status == 200
    assert content == media_backend.read(image.key)
    assert PillowImage.open(io.BytesIO(content)).size == (8, 6)


@pytest.mark.parametrize(
    ("who", "get_status", "delete_status"),
    [
        ("owner", 200, 204),
        ("other_user", 404, 404),
        ("staff", 404, 404),
        ("admin", 404, 404),
        ("anonymous", 401, 401),
    ],
)
def test_image_permission_matrix(
    local_media, api_client, client_for, user, other_user, staff, admin_user, who, get_status, delete_status
):
    staff.reports.add(user)  # even the owner's manager does not see their pictures
    image = store(user)
    actors = {"owner": user, "other_user": other_user, "staff": staff, "admin": admin_user}
    client = api_client if who == "anonymous" else client_for(actors[who])

    assert client.get(detail(image)).status_code == get_status
    assert client.delete(detail(image)).status_code == delete_status
    assert Image.objects.filter(uuid=image.uuid).exists() == (who != "owner")


def test_deleting_removes_row_and_object_and_is_audited(
    media_backend, client_for, user, django_capture_on_commit_callbacks
):
    image = store(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).delete(detail(image))

    assert response.status_code == 204
    assert not Image.objects.exists()
    assert media_backend.keys() == []
    event = AuditEvent.objects.get(action="image.delete")
    assert (event.actor, event.target_id) == (user, str(image.uuid))
    assert client_for(user).get(detail(image)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/images/not-a-uuid/",
        "/api/v1/images/00000000-0000-0000-0000-000000000000/",
        "/api/v1/images/123/",
        "/api/v1/images/%00/",
    ],
)
def test_unknown_or_malformed_ids_are_404_json(local_media, client_for, user, path):
    response = client_for(user).get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_pending_upload_is_not_an_image_yet(local_media, client_for, user):
    ticket = image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=10)
    assert client_for(user).get(detail(ticket.image)).status_code == 404


def test_images_are_neither_listed_nor_created_nor_changed_here(local_media, client_for, user):
    client = client_for(user)
    assert client.get("/api/v1/images/").status_code == 404
    assert client.post("/api/v1/images/", {}).status_code == 404
    assert client.put(detail(store(user)), {}).status_code == 405


# --- the local backend's signed links ---------------------------------------------------------


def fetch(url: str, method: str = "GET", **kwargs):
    return Client().generic(method, url, **kwargs)


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return f"{parts.path}?{urlencode({k: v for k, v in query.items() if v is not None})}"


def test_local_links_are_signed_and_never_a_public_path(local_media, user):
    image = store(user)
    url = image_url(image=image).url

    assert url.startswith(f"/api/v1/media/files/{image.key}/?")
    response = fetch(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (local_media / image.key).read_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    for unsigned in (f"/media/{image.key}", f"/api/v1/media/files/{image.key}/", f"/static/{image.key}"):
        assert Client().get(unsigned).status_code in (403, 404)


def test_an_expired_local_link_is_refused(local_media, user):
    image = store(user)
    url = image_url(image=image, now=timezone.now() - timedelta(minutes=10)).url
    response = fetch(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "url_expired"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url, image: with_query(url, signature="0" * 64),
        lambda url, image: with_query(url, signature=None),
        lambda url, image: with_query(url, expires=str(int(parse_qs(urlsplit(url).query)["expires"][0]) + 3600)),
        lambda url, image: with_query(url, expires="soon"),
        lambda url, image: url.replace(image.key, image.key.replace(".png", ".jpeg")),
    ],
    ids=["signature", "no-signature", "later-expiry", "junk-expiry", "other-key"],
)
def test_a_tampered_local_link_is_refused(local_media, user, tamper):
    image = store(user)
    response = fetch(tamper(image_url(image=image).url, image))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "signature_invalid"


def test_a_download_link_cannot_be_used_to_upload(local_media, user):
    image = store(user)
    original = (local_media / image.key).read_bytes()
    response = fetch(image_url(image=image).url, "PUT", data=b"evil", content_type="image/png")
    assert response.status_code == 403
    assert (local_media / image.key).read_bytes() == original


def test_an_upload_link_stops_working_when_it_expires(local_media, user):
    data = png_bytes()
    ticket = image_upload_start(
        owner=user,
        kind=ImageKind.AVATAR,
        content_type="image/png",
        byte_size=len(data),
        now=timezone.now() - timedelta(minutes=10),
    )
    response = fetch(ticket.upload.url, "PUT", data=data, content_type="image/png")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "url_expired"
    assert not (local_media / ticket.image.key).exists()


def test_a_signed_link_to_a_missing_object_is_404(local_media, user):
    image = store(user)
    (local_media / image.key).unlink()
    assert fetch(image_url(image=image).url).status_code == 404


def test_local_links_are_refused_when_storage_is_s3(s3_media, user):
    image = store(user)
    url = f"/api/v1/media/files/{image.key}/?expires=9999999999&signature=x"
    assert fetch(url).status_code == 404


def test_local_links_use_the_public_base_url(local_media, user, settings):
    settings.MEDIA_PUBLIC_BASE_URL = "https://api.example.com/"
    assert image_url(image=store(user)).url.startswith("https://api.example.com/api/v1/media/files/")
