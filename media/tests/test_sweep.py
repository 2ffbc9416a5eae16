from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from media.models import Image, ImageKind
from media.services import image_store, image_upload_start, media_sweep
from media.storage import object_put
from media.tasks import sweep_orphan_media_task
from media.tests.factories import new_seed_key, png_bytes

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=25)  # past MEDIA_ORPHAN_MAX_AGE_HOURS (24)


@pytest.fixture
def leftovers(media_backend, user, django_capture_on_commit_callbacks):
    """A kept image, an abandoned upload (uploaded, never confirmed) and an orphan object."""
    kept = image_store(owner=user, kind=ImageKind.LAP_IMAGE, file=png_bytes(), key=new_seed_key(user))
    data = png_bytes()
    ticket = image_upload_start(owner=user, kind=ImageKind.AVATAR, content_type="image/png", byte_size=len(data))
    media_backend.fetch(ticket.upload.url, method="PUT", data=data, headers=ticket.upload.headers)
    object_put("crashed/before-commit.png", data, content_type="image/png")
    assert len(media_backend.keys()) == 3
    return kept, ticket.image


def test_the_sweep_removes_abandoned_uploads_and_orphans_and_is_idempotent(
    media_backend, leftovers, django_capture_on_commit_callbacks
):
    kept, abandoned = leftovers

    with django_capture_on_commit_callbacks(execute=True):
        first = media_sweep(now=timezone.now() + LATER)
    with django_capture_on_commit_callbacks(execute=True):
        second = media_sweep(now=timezone.now() + LATER)

    assert (first.expired_uploads, first.orphan_objects) == (1, 1)
    assert (second.expired_uploads, second.orphan_objects) == (0, 0)
    assert list(Image.objects.all()) == [kept]
    assert media_backend.keys() == [kept.key]


def test_the_sweep_leaves_young_uploads_and_objects_alone(media_backend, leftovers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = media_sweep()
    assert (result.expired_uploads, result.orphan_objects) == (0, 0)
    assert len(media_backend.keys()) == 3
    assert Image.objects.count() == 2


def test_the_sweep_skips_files_media_never_writes(local_media, django_capture_on_commit_callbacks):
    local_media.mkdir(parents=True, exist_ok=True)
    (local_media / ".keep").write_text("not ours")
    with django_capture_on_commit_callbacks(execute=True):
        assert media_sweep(now=timezone.now() + LATER).orphan_objects == 0
    assert (local_media / ".keep").exists()


def test_the_command_and_the_scheduled_task_run_the_sweep(
    local_media, user, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ORPHAN_MAX_AGE_HOURS = 0
    object_put("orphan/one.png", png_bytes(), content_type="image/png")
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_orphan_media", stdout=out)
    assert "Deleted 0 expired pending uploads and 1 orphan objects" in out.getvalue()

    object_put("orphan/two.png", png_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_orphan_media_task.delay().get() == {"expired_uploads": 0, "orphan_objects": 1}
    assert not list(local_media.rglob("*.png"))


def test_the_sweep_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-orphan-media"]
    assert entry["task"] == sweep_orphan_media_task.name
