"""Refusals specific to uploads; the API's exception handler renders them like every
`config.errors.ApplicationError`."""

from config.errors import ApplicationError, ServiceUnavailable


class PayloadTooLarge(ApplicationError, status=413, code="payload_too_large"):
    """The file, or the owner's stored total with it, is over a limit."""


class StorageUnavailable(ServiceUnavailable, code="storage_unavailable"):
    """The object storage is unreachable (503, retry)."""
