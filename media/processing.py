"""Decide whether uploaded bytes are an image media accepts, and produce the bytes it stores.

Nothing the client says about the file is trusted: not its name, not its declared type. The
format is what Pillow decodes (PNG, JPEG or WebP only); the stored bytes are a fresh encoding of
the decoded pixels, so EXIF and other metadata, ICC profiles, text chunks and anything appended
after the image (an HTML or ZIP polyglot) are gone. An animation keeps its first frame only.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image as PillowImage
from PIL import ImageOps

from config.errors import ValidationFailed
from media.errors import PayloadTooLarge
from media.models import FORMAT_CONTENT_TYPES, FORMAT_EXTENSIONS

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = tuple(FORMAT_EXTENSIONS)
_ENCODER_OPTIONS = {
    "PNG": {"compress_level": 6},
    "JPEG": {"quality": 90, "optimize": True},
    "WEBP": {"quality": 90, "method": 4},
}


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    format: str  # Pillow's name: PNG, JPEG, WEBP
    width: int
    height: int

    @property
    def extension(self) -> str:
        return FORMAT_EXTENSIONS[self.format]

    @property
    def content_type(self) -> str:
        return FORMAT_CONTENT_TYPES[self.format]


def read_upload(file: IO[bytes] | bytes) -> bytes:
    """At most MAX_UPLOAD_BYTES + 1 bytes of an uploaded file (or bytes), enough to tell
    whether it is over the limit without reading a huge body into memory."""
    limit = settings.MAX_UPLOAD_BYTES
    if isinstance(file, bytes | bytearray):
        return bytes(file[: limit + 1])
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(limit + 1)


def process_image(data: bytes) -> ProcessedImage:
    """Validate and re-encode. Raises ValidationFailed (400) with code `empty_file`,
    `unsupported_format`, `too_many_pixels` or `invalid_image`, or PayloadTooLarge (413,
    `file_too_large`)."""
    limit = settings.MAX_UPLOAD_BYTES
    if not data:
        raise ValidationFailed("The file is empty.", code="empty_file", fields={"file": ["The file is empty."]})
    if len(data) > limit:
        raise _too_large(limit)
    with warnings.catch_warnings():
        # Pillow warns above its own pixel limit and raises above twice that; both are refusals.
        warnings.simplefilter("error", PillowImage.DecompressionBombWarning)
        try:
            image = PillowImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (PillowImage.DecompressionBombError, PillowImage.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:  # any failure to identify untrusted bytes is a refusal
            raise ValidationFailed(
                "The file is not a PNG, JPEG or WebP image.",
                code="unsupported_format",
                fields={"file": ["Upload a PNG, JPEG or WebP image."]},
            ) from None
        if image.width * image.height > settings.MAX_IMAGE_PIXELS:
            raise _too_many_pixels()
        try:
            return _reencode(image)
        except (PillowImage.DecompressionBombError, PillowImage.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception as exc:  # truncated or corrupt data, whatever the decoder says
            logger.info("image refused, decoder said: %s", exc)
            raise ValidationFailed(
                "The image could not be decoded; it may be truncated or corrupt.",
                code="invalid_image",
                fields={"file": ["The image could not be decoded."]},
            ) from None


def _reencode(image: PillowImage.Image) -> ProcessedImage:
    source_format = image.format
    image.load()
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    # Keep the picture the way it was shown: the orientation lived in the EXIF data we drop.
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if has_alpha and source_format != "JPEG" else "RGB")
    out = io.BytesIO()
    image.save(out, format=source_format, **_ENCODER_OPTIONS[source_format])
    return ProcessedImage(out.getvalue(), source_format, image.width, image.height)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {limit} bytes.", code="file_too_large", fields={"file": [f"At most {limit} bytes."]}
    )


def _too_many_pixels() -> ValidationFailed:
    limit = settings.MAX_IMAGE_PIXELS
    return ValidationFailed(
        f"The image has more than {limit} pixels.",
        code="too_many_pixels",
        fields={"file": [f"At most {limit} pixels (width × height)."]},
    )
