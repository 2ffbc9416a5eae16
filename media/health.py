"""The storage check behind `/ready` (settings.HEALTH_STORAGE_CHECK points here)."""

from media.storage import media_storage


def storage_check() -> str:
    """S3: the bucket answers a HEAD (fails when the server is down, the bucket is missing or
    the keys are refused). Local: MEDIA_ROOT exists and a file can be created in it."""
    return media_storage().check_ready()
