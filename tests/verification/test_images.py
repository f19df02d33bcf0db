"""Decoding uploads: orientation, colour modes, downscaling, refusals, and the perceptual hash."""

from __future__ import annotations

import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from field_app.verification.face import default_engine
from field_app.verification.images import ImageError, ImageLimits, hash_distance, load_selfie, perceptual_hash
from tests.verification.conftest import encode, exif_rotated

LIMITS = ImageLimits()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels but carries none: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean())


def refused(photo: bytes, limits: ImageLimits = LIMITS) -> ImageError:
    with pytest.raises(ImageError) as caught:
        load_selfie(photo, limits)
    return caught.value


def test_a_small_photo_is_returned_as_rgb_uint8_at_its_own_size(astronaut):
    rgb = load_selfie(encode(astronaut), LIMITS)
    assert rgb.shape == (300, 250, 3) and rgb.dtype == np.uint8
    assert mean_difference(rgb, np.asarray(astronaut)) < 3  # only JPEG loss


def test_a_12_megapixel_jpeg_is_downscaled_to_max_side_and_stays_faithful():
    big = Image.fromarray(skimage_data.astronaut()).resize((4000, 3000), Image.Resampling.BICUBIC)
    rgb = load_selfie(encode(big), LIMITS)
    assert rgb.shape == (600, 800, 3)
    # Decoding at 1/4 scale (draft) then Lanczos must look like a Lanczos resize of the full image.
    reference = np.asarray(big.resize((800, 600), Image.Resampling.LANCZOS))
    assert mean_difference(rgb, reference) < 2


def test_a_portrait_photo_is_limited_by_its_height():
    tall = Image.fromarray(skimage_data.astronaut()).resize((900, 1600))
    assert load_selfie(encode(tall), ImageLimits(max_side=320)).shape == (320, 180, 3)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_the_exif_orientation_is_applied(astronaut, orientation):
    rgb = load_selfie(exif_rotated(astronaut, orientation), LIMITS)
    assert rgb.shape == (300, 250, 3)
    assert mean_difference(rgb, np.asarray(astronaut)) < 3


def test_transparent_pixels_are_put_on_white_and_opaque_ones_kept(astronaut):
    rgba = astronaut.convert("RGBA")
    rgba.paste((0, 0, 0, 0), (0, 0, 50, 50))  # a fully transparent black corner
    rgb = load_selfie(encode(rgba, "PNG"), LIMITS)
    assert (rgb[:50, :50] == 255).all()
    assert (rgb[100:, 100:] == np.asarray(astronaut)[100:, 100:]).all()


@pytest.mark.parametrize("mode", ["L", "LA", "P", "CMYK"])
def test_other_colour_modes_become_rgb(astronaut, mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    rgb = load_selfie(encode(astronaut.convert(mode), fmt), LIMITS)
    assert rgb.shape == (300, 250, 3) and rgb.dtype == np.uint8


def test_greyscale_becomes_three_equal_channels(astronaut):
    rgb = load_selfie(encode(astronaut.convert("L"), "PNG"), LIMITS)
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()


def test_16_bit_greyscale_is_scaled_not_clipped(astronaut):
    grey = np.asarray(astronaut.convert("L"))
    deep = Image.fromarray(grey.astype(np.uint16) * 257)  # the same picture over 0..65535
    rgb = load_selfie(encode(deep, "PNG"), LIMITS)
    assert mean_difference(rgb[..., 0], grey) < 1


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("WEBP", {"quality": 90}), ("AVIF", {"quality": 90}), ("MPO", {"save_all": True, "append_images": []})],
)
def test_other_phone_formats_are_accepted(astronaut, fmt, params):
    if fmt == "MPO":  # a multi-picture JPEG (some phones' cameras): the first picture is the photo
        params = {**params, "append_images": [astronaut.rotate(90)]}
    assert load_selfie(encode(astronaut, fmt, **params), LIMITS).shape == (300, 250, 3)


def test_heic_from_a_real_photo_is_decoded(astronaut):
    heic = encode(astronaut, "HEIF", quality=90)
    assert heic[4:12] == b"ftypheic"
    rgb = load_selfie(heic, LIMITS)
    assert rgb.shape == (300, 250, 3)
    assert mean_difference(rgb, np.asarray(astronaut)) < 6


def test_heic_without_the_heif_decoder_is_unsupported(astronaut):
    error = refused(encode(astronaut, "HEIF"), ImageLimits(formats=("JPEG", "PNG")))
    assert error.code == "image_unsupported" and "HEIF" in error.message


@pytest.mark.parametrize("fmt", ["BMP", "GIF", "TIFF"])
def test_images_in_formats_phones_do_not_send_are_unsupported(astronaut, fmt):
    error = refused(encode(astronaut, fmt))
    assert error.code == "image_unsupported" and fmt in error.message


@pytest.mark.parametrize(
    "photo",
    [b"", b"hello, this is not a photo", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)],
    ids=["empty", "text", "corrupt-heic"],
)
def test_bytes_that_are_not_an_image_are_invalid(photo):
    assert refused(photo).code == "image_invalid"


@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_a_truncated_jpeg_is_invalid(astronaut, keep):
    photo = encode(astronaut)
    assert refused(photo[: int(len(photo) * keep)]).code == "image_invalid"


def test_a_truncated_jpeg_stays_invalid_once_face_recognition_is_loaded(astronaut):
    # face_recognition's import switches on Pillow's LOAD_TRUNCATED_IMAGES; the engine undoes it.
    default_engine().load()
    photo = encode(astronaut)
    assert refused(photo[: len(photo) // 2]).code == "image_invalid"


def test_bytes_over_the_limit_are_refused_before_decoding(astronaut):
    photo = encode(astronaut)
    error = refused(photo, ImageLimits(max_bytes=len(photo) - 1))
    assert error.code == "image_too_large" and str(len(photo)) in error.message


@pytest.mark.parametrize(
    ("width", "height", "max_pixels"),
    [
        (8000, 7000, 50_000_000),  # over our limit, under Pillow's
        (10000, 10000, 200_000_000),  # Pillow warns (> 89 MP) before we look: the warning is ours
        (30000, 30000, 50_000_000),  # Pillow raises (> 179 MP) before we look
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(width, height, max_pixels):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = refused(png_header(width, height), ImageLimits(max_pixels=max_pixels))
    assert error.code == "image_too_large"  # not image_invalid: no pixel was decoded
    assert caught == []


def test_the_hash_is_16_hex_digits_and_stable(astronaut):
    rgb = np.asarray(astronaut)
    value = perceptual_hash(rgb)
    assert len(value) == 16 and int(value, 16) >= 0
    assert perceptual_hash(rgb.copy()) == value


def test_the_hash_survives_recompression_rescaling_and_brightness(astronaut):
    original = perceptual_hash(np.asarray(astronaut))
    recompressed = load_selfie(encode(astronaut, quality=40), LIMITS)
    rescaled = np.asarray(astronaut.resize((180, 216), Image.Resampling.BILINEAR))
    brighter = np.clip(np.asarray(astronaut, dtype=np.int16) + 30, 0, 255).astype(np.uint8)
    for variant in (recompressed, rescaled, brighter):
        assert hash_distance(original, perceptual_hash(variant)) <= 4


def test_different_pictures_hash_far_apart(astronaut):
    coffee = np.ascontiguousarray(skimage_data.coffee())
    assert hash_distance(perceptual_hash(np.asarray(astronaut)), perceptual_hash(coffee)) >= 20


def test_hash_distance_counts_differing_bits():
    assert hash_distance("0" * 16, "f" * 16) == 64
    assert hash_distance("0123456789abcdef", "0123456789abcdee") == 1
    with pytest.raises(ValueError):
        hash_distance("abc", "0" * 16)


def test_the_hash_refuses_arrays_that_are_not_rgb_uint8():
    with pytest.raises(ValueError):
        perceptual_hash(np.zeros((8, 8), dtype=np.uint8))
    with pytest.raises(ValueError):
        perceptual_hash(np.zeros((8, 8, 3), dtype=np.float64))
