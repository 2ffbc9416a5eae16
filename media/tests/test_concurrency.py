"""The quota under concurrent uploads, over real transactions (one connection per thread)."""

import pytest

from accounts.tests.factories import UserFactory
from config.testing import race
from media.errors import PayloadTooLarge
from media.models import Image, ImageKind
from media.processing import process_image
from media.services import image_store
from media.tests.factories import new_seed_key, png_bytes


@pytest.mark.django_db(transaction=True)
def test_parallel_uploads_cannot_race_past_the_quota(local_media, settings):
    owner = UserFactory()
    data = png_bytes(20, 20)
    settings.USER_MEDIA_QUOTA_BYTES = len(process_image(data).data) * 2  # room for two of the five

    def upload():
        try:
            image_store(owner=owner, kind=ImageKind.LAP_IMAGE, file=data, key=new_seed_key(owner))
            return "stored"
        except PayloadTooLarge as refused:
            return refused.code

    outcomes = sorted(race([upload] * 5))

    assert outcomes == ["quota_exceeded"] * 3 + ["stored"] * 2
    assert Image.objects.filter(owner=owner).count() == 2
    assert len(list(local_media.rglob("*.png"))) == 2
