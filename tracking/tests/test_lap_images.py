"""Lap images (Just Like Clockwork): upload to a lap, read through a presigned URL, and gone
with the lap. Each test runs on the local backend and on a real S3 server (rclone)."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage

from accounts.tests.factories import AdminFactory, UserFactory
from media.models import Image
from media.tests.factories import noise_png, png_bytes
from tracking.hooks import session_write_guard
from tracking.models import LapImage
from tracking.tests.factories import SessionFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

UPLOAD = "/api/v1/images/upload/"


def lap_of(user, day: int = 0):
    session = SessionFactory(owner=user, status="stopped", started_at=at(day, 9), ended_at=at(day, 10))
    return TimeEntryFactory(user=user, session=session, start=at(day, 9), end=at(day, 10))


def upload(client, lap, data: bytes, name: str = "photo.png"):
    return client.post(UPLOAD, {"lap": str(lap.uuid), "file": SimpleUploadedFile(name, data)}, format="multipart")


def test_a_png_lands_at_the_seed_key_and_its_presigned_url_serves_it(media_backend, client_for, user, settings):
    lap = lap_of(user)

    response = upload(client_for(user), lap, png_bytes(12, 7), name="holiday.jpg")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lap"], body["content_type"], body["width"], body["height"]) == (str(lap.uuid), "image/png", 12, 7)
    assert media_backend.keys() == [f"{user.uuid}/{lap.session.uuid}/{lap.uuid}_{body['id']}.png"]
    status, data = media_backend.fetch(body["url"])
    assert status == 200
    assert PillowImage.open(io.BytesIO(data)).size == (12, 7)


def test_the_image_url_expires(media_backend, client_for, user, settings):
    settings.MEDIA_URL_EXPIRE_SECONDS = 1
    lap = lap_of(user)
    client = client_for(user)
    image_id = upload(client, lap, png_bytes()).json()["id"]
    url = client.get(f"/api/v1/images/{image_id}/").json()["url"]

    time.sleep(2.2)

    # rclone answers an expired signature with 400 (AWS says 403); the local view with 403.
    assert media_backend.fetch(url)[0] in {400, 403}


def test_session_detail_lists_each_laps_images(media_backend, client_for, user):
    lap = lap_of(user)
    client = client_for(user)
    first = upload(client, lap, png_bytes()).json()["id"]
    second = upload(client, lap, png_bytes(3, 3)).json()["id"]

    laps = client.get(f"/api/v1/sessions/{lap.session.uuid}/").json()["laps"]

    assert [image["id"] for image in laps[0]["images"]] == [first, second]
    assert media_backend.fetch(laps[0]["images"][1]["url"])[0] == 200


def test_nobody_else_reads_the_image_or_uploads_to_the_lap(media_backend, client_for, user, other_user):
    lap = lap_of(user)
    image_id = upload(client_for(user), lap, png_bytes()).json()["id"]

    for stranger in (other_user, AdminFactory()):
        client = client_for(stranger)
        assert client.get(f"/api/v1/images/{image_id}/").status_code == 404
        refused = upload(client, lap, png_bytes())
        assert refused.status_code == 404
        assert refused.json()["error"]["fields"] == {"lap": ["No lap of yours has this id."]}
    assert len(media_backend.keys()) == 1
    assert LapImage.objects.count() == 1


def test_an_entry_outside_any_session_takes_no_image(media_backend, client_for, user):
    entry = TimeEntryFactory(user=user)
    response = upload(client_for(user), entry, png_bytes())
    assert response.status_code == 400
    assert "lap" in response.json()["error"]["fields"]
    assert media_backend.keys() == []


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", 400),
        (b"just some text, not a picture", 400),
        (png_bytes() + b"<html><script>alert(1)</script></html>", 400),
        (noise_png(40, 40), 413),
    ],
)
def test_refused_files_leave_nothing_behind(media_backend, client_for, user, settings, data, status):
    settings.MAX_UPLOAD_BYTES = 2000
    response = upload(client_for(user), lap_of(user), data)
    assert response.status_code == status, response.content
    assert response.json()["error"]["message"]
    assert media_backend.keys() == []
    assert not Image.objects.exists()


def test_bad_requests_are_400(client_for, user, local_media):
    client = client_for(user)
    lap = lap_of(user)
    assert client.post(UPLOAD, {"lap": str(lap.uuid)}, format="multipart").status_code == 400
    bad_id = {"lap": "nope", "file": SimpleUploadedFile("a.png", png_bytes())}
    assert client.post(UPLOAD, bad_id, format="multipart").status_code == 400
    assert client.post(UPLOAD, {"lap": str(lap.uuid)}, format="json").status_code == 415
    assert client_for(user).post(UPLOAD).status_code in {400, 415}


def test_anonymous_upload_is_401(api_client, user, local_media):
    assert upload(api_client, lap_of(user), png_bytes()).status_code == 401


def test_a_guarded_session_refuses_new_images(media_backend, client_for, user):
    from config.errors import Conflict

    def archived(session):
        raise Conflict("The group is archived.", code="group_archived")

    with session_write_guard.registered(archived):
        response = upload(client_for(user), lap_of(user), png_bytes())
    assert response.status_code == 409
    assert media_backend.keys() == []


@pytest.mark.django_db(transaction=True)
def test_deleting_the_lap_the_session_or_the_user_removes_the_objects(media_backend, client_for):
    user = UserFactory()
    client = client_for(user)
    laps = [lap_of(user, day) for day in range(3)]
    for lap in laps:
        assert upload(client, lap, png_bytes()).status_code == 201
    assert len(media_backend.keys()) == 3

    assert client.delete(f"/api/v1/time-entries/{laps[0].uuid}/").status_code == 204
    assert len(media_backend.keys()) == 2
    assert client.delete(f"/api/v1/sessions/{laps[1].session.uuid}/").status_code == 204
    assert len(media_backend.keys()) == 1
    user.delete()
    assert media_backend.keys() == []
    assert not Image.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_replacing_a_sessions_laps_removes_the_dropped_laps_images(media_backend, client_for):
    user = UserFactory()
    client = client_for(user)
    lap = lap_of(user)
    upload(client, lap, png_bytes())
    kept = {"start_utc": "2025-09-16T09:00:00Z", "end_utc": "2025-09-16T10:00:00Z"}

    response = client.put(f"/api/v1/sessions/{lap.session.uuid}/", {"laps": [kept]}, format="json")

    assert response.status_code == 200, response.content
    assert media_backend.keys() == []


def test_deleting_the_image_keeps_the_lap(media_backend, client_for, user):
    lap = lap_of(user)
    client = client_for(user)
    image_id = upload(client, lap, png_bytes()).json()["id"]

    assert client.delete(f"/api/v1/images/{image_id}/").status_code == 204

    assert client.get(f"/api/v1/sessions/{lap.session.uuid}/").json()["laps"][0]["images"] == []
    lap.refresh_from_db()
