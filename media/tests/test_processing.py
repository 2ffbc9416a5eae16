import io

import pytest
from PIL import Image as PillowImage
from PIL import PngImagePlugin

from config.errors import ValidationFailed
from media.errors import PayloadTooLarge
from media.processing import process_image
from media.tests.factories import image_bytes, jpeg_bytes, noise_png, png_bytes, png_header_only, webp_bytes


def decode(data: bytes) -> PillowImage.Image:
    image = PillowImage.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("data", "fmt", "extension", "content_type"),
    [
        (png_bytes(), "PNG", "png", "image/png"),
        (jpeg_bytes(), "JPEG", "jpeg", "image/jpeg"),
        (webp_bytes(), "WEBP", "webp", "image/webp"),
    ],
)
def test_accepted_formats_are_reencoded_in_their_own_format(data, fmt, extension, content_type):
    processed = process_image(data)
    assert (processed.format, processed.extension, processed.content_type) == (fmt, extension, content_type)
    assert (processed.width, processed.height) == (8, 6)
    assert decode(processed.data).format == fmt


def test_exif_is_stripped_and_its_orientation_applied():
    exif = PillowImage.Exif()
    exif[0x010F] = "Spy Camera Co"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    data = image_bytes("JPEG", 20, 10, exif=exif.tobytes())

    processed = process_image(data)

    assert b"Spy Camera Co" not in processed.data
    assert not decode(processed.data).getexif()
    assert (processed.width, processed.height) == (10, 20)


def test_png_text_chunks_are_stripped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    processed = process_image(png_bytes(pnginfo=info))
    assert b"<script>" not in processed.data
    assert decode(processed.data).text == {}


@pytest.mark.parametrize("make", [png_bytes, jpeg_bytes, webp_bytes])
def test_a_payload_appended_after_the_image_is_refused(make):
    tail = b"<html><script>alert(document.cookie)</script></html>"
    with pytest.raises(ValidationFailed) as refused:
        process_image(make() + tail)
    assert refused.value.code == "trailing_data"


def test_zero_padding_after_a_jpeg_is_not_a_payload():
    assert process_image(jpeg_bytes() + b"\x00" * 64).format == "JPEG"


def test_a_progressive_jpeg_with_restart_markers_is_walked_to_its_end():
    data = image_bytes("JPEG", 64, 48, progressive=True, restart_marker_blocks=1)
    assert process_image(data).format == "JPEG"
    with pytest.raises(ValidationFailed):
        process_image(data + b"PK\x03\x04 zip polyglot")


def test_transparency_survives_reencoding():
    data = image_bytes("PNG", 4, 4, mode="RGBA", color=(0, 0, 0, 0))
    assert decode(process_image(data).data).getpixel((0, 0)) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"just some text pretending to be a picture\n", "unsupported_format"),
        (image_bytes("GIF"), "unsupported_format"),
        (image_bytes("BMP"), "unsupported_format"),
        (png_bytes(40, 40)[:60], "invalid_image"),
    ],
)
def test_refusals_name_the_reason(data, code):
    with pytest.raises(ValidationFailed) as refused:
        process_image(data)
    assert refused.value.code == code
    assert refused.value.fields["file"]


def test_more_pixels_than_the_setting_allows_are_refused(settings):
    settings.MAX_IMAGE_PIXELS = 99
    with pytest.raises(ValidationFailed) as refused:
        process_image(png_bytes(10, 10))
    assert refused.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    "size",
    [
        (20_000, 20_000),  # Pillow raises DecompressionBombError on its own
        (10_000, 10_000),  # Pillow only warns (DecompressionBombWarning)
    ],
)
def test_pillows_decompression_bomb_guard_is_a_clean_refusal(settings, size):
    settings.MAX_IMAGE_PIXELS = 10**12  # leave the decision to Pillow
    with pytest.raises(ValidationFailed) as refused:
        process_image(png_header_only(*size))
    assert refused.value.code == "too_many_pixels"


def test_a_file_over_the_size_limit_is_413(settings):
    settings.MAX_UPLOAD_BYTES = 1000
    with pytest.raises(PayloadTooLarge) as refused:
        process_image(noise_png(30, 30))
    assert (refused.value.status, refused.value.code) == (413, "file_too_large")
