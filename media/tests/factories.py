"""Small images made in memory, the key layout of the Just Like Clockwork seed, and image rows."""

from __future__ import annotations

import io
import os
import struct
import uuid
import zlib

import factory
from PIL import Image as PillowImage

from media.models import Image, ImageKind


def image_bytes(fmt: str = "PNG", width: int = 8, height: int = 6, *, color=(200, 30, 30), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new(mode, (width, height), color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def png_bytes(width: int = 8, height: int = 6, **kwargs) -> bytes:
    return image_bytes("PNG", width, height, **kwargs)


def jpeg_bytes(width: int = 8, height: int = 6, **kwargs) -> bytes:
    return image_bytes("JPEG", width, height, **kwargs)


def webp_bytes(width: int = 8, height: int = 6, **kwargs) -> bytes:
    return image_bytes("WEBP", width, height, **kwargs)


def noise_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: about 3 bytes per pixel."""
    buffer = io.BytesIO()
    PillowImage.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` × `height` pixels in a few dozen bytes (a decompression bomb's
    calling card): signature, IHDR and a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def seed_key(user_id, session_id, lap_id):
    """The key builder tracking will pass for lap images:
    `{user_id}/{session_id}/{lap_uuid}_{image_uuid}.{format}`."""
    return lambda image, extension: f"{user_id}/{session_id}/{lap_id}_{image.uuid}.{extension}"


def new_seed_key(user):
    return seed_key(user.uuid, uuid.uuid4(), uuid.uuid4())


class ImageFactory(factory.django.DjangoModelFactory):
    """A confirmed 1×1 PNG's row (no object in storage); pass `owner` and, for a lap image,
    tracking's `key`."""

    class Meta:
        model = Image

    owner = factory.SubFactory("accounts.tests.factories.UserFactory")
    kind = ImageKind.LAP_IMAGE
    key = factory.LazyAttribute(lambda image: f"{image.owner.uuid}/{uuid.uuid4()}.png")
    content_type = "image/png"
    byte_size = 10
    width = 1
    height = 1
    confirmed = True
