"""Refusals specific to uploads; the API's exception handler renders them like every
`config.errors.ApplicationError`."""

from config.errors import ApplicationError, ServiceUnavailable


class PayloadTooLarge(ApplicationError):
    """The file, or the owner's stored total with it, is over a limit (HTTP 413)."""

    status = 413
    code = "payload_too_large"


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
