import pytest
from django.test import Client

from audit.models import AuditEvent
from media.models import Image, ImageKind
from media.services import image_store
from media.tests.factories import new_seed_key, png_bytes

pytestmark = pytest.mark.django_db


def console(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


@pytest.fixture
def image(local_media, user):
    return image_store(owner=user, kind=ImageKind.LAP_IMAGE, file=png_bytes(), key=new_seed_key(user))


def test_admins_see_images_with_owner_size_and_a_signed_thumbnail(admin_user, image):
    page = console(admin_user).get("/admin/media/image/").content.decode()

    assert image.owner.email in page
    assert f"{image.byte_size}\xa0bytes" in page
    assert f'<img src="/api/v1/media/files/{image.key}/?expires=' in page
    assert "signature=" in page
    detail = console(admin_user).get(f"/admin/media/image/{image.pk}/change/")
    assert detail.status_code == 200
    assert image.key in detail.content.decode()


def test_staff_cannot_open_the_image_console(staff, image):
    assert console(staff).get("/admin/media/image/").status_code == 403


def test_deleting_in_the_admin_goes_through_the_service(
    admin_user, image, local_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = console(admin_user).post(f"/admin/media/image/{image.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Image.objects.exists()
    assert not (local_media / image.key).exists()
    assert AuditEvent.objects.get(action="image.delete").actor == admin_user
