import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_ready_checks_that_the_media_folder_is_writable(local_media):
    response = Client().get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["detail"] == "filesystem"
    assert list(local_media.iterdir()) == []  # the probe file is gone


def test_ready_is_503_when_the_media_folder_cannot_be_written(settings, local_media):
    local_media.parent.mkdir(parents=True, exist_ok=True)
    local_media.write_text("a file where the folder should be")
    response = Client().get("/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]
