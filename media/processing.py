"""Decide whether uploaded bytes are an image media accepts, and produce the bytes it stores.

Nothing the client says about the file is trusted: not its name, not its declared type. The
format is what Pillow decodes (PNG, JPEG or WebP only). A file that goes on after the image's
own end marker (an HTML or ZIP polyglot) is refused outright. The stored bytes are a fresh
encoding of the decoded pixels, so EXIF and other metadata, ICC profiles and text chunks are
gone. An animation keeps its first frame only.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.conf import settings

from config.errors import ValidationFailed
from media.errors import PayloadTooLarge
from media.models import FORMAT_CONTENT_TYPES, FORMAT_EXTENSIONS

if TYPE_CHECKING:
    from PIL import Image as PillowImage

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
    `unsupported_format`, `too_many_pixels`, `trailing_data` or `invalid_image`, or
    PayloadTooLarge (413, `file_too_large`)."""
    # Pillow is imported by the request that processes an upload, not by every worker.
    from PIL import Image as PillowImage

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
        if _has_trailing_data(data, image.format):
            raise ValidationFailed(
                "The file goes on after the end of the image (a hidden payload?). Upload the image alone.",
                code="trailing_data",
                fields={"file": ["Data after the end of the image."]},
            )
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


def _has_trailing_data(data: bytes, image_format: str) -> bool:
    """True when bytes follow the image's own end: PNG's IEND chunk, JPEG's EOI marker, or the
    length WebP's RIFF header declares. Zero padding after a JPEG (some cameras write it) is
    not a payload. A structure too broken to walk is left to the decoder to refuse."""
    end = {"PNG": _png_end, "JPEG": _jpeg_end, "WEBP": _webp_end}[image_format](data)
    if end is None:
        return False
    tail = data[end:]
    return bool(tail.strip(b"\x00") if image_format == "JPEG" else tail)


def _png_end(data: bytes) -> int | None:
    offset = 8  # signature
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        offset += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return offset
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Walk the segments; inside entropy-coded data a marker is 0xFF followed by anything but
    0x00 (a stuffed byte) or a restart marker (0xD0–0xD7)."""
    offset = 2  # SOI
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xD9:  # EOI
            return offset + 2
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        offset += 2 + length
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
            while True:
                offset = data.find(b"\xff", offset)
                if offset < 0 or offset + 1 >= len(data):
                    return None
                following = data[offset + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    offset += 2
                    continue
                break
    return None


def _webp_end(data: bytes) -> int | None:
    if len(data) < 12 or data[:4] != b"RIFF":
        return None
    (size,) = struct.unpack("<I", data[4:8])
    return 8 + size + (size & 1)


def _reencode(image: PillowImage.Image) -> ProcessedImage:
    from PIL import ImageOps  # see process_image

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
