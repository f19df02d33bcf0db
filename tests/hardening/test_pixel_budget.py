"""A pixel budget for the detector (issue 17, finding 14): formats decoded at full size (PNG, WebP, HEIC,
AVIF) are refused above the decode budget before any pixel is decoded; JPEGs are DCT-scaled at decode
and may be larger. Costs are measured by bench/upload_cost.py, not asserted here."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from PIL import Image

from field_app.verification.images import ImageError, ImageLimits, load_selfie


@pytest.fixture(scope="module")
def black_png_7000() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (7000, 7000), 0).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def test_a_huge_black_png_is_refused_before_decoding(black_png_7000):
    assert len(black_png_7000) < 1_000_000  # cheap to send
    tracemalloc.start()
    with pytest.raises(ImageError) as err:
        load_selfie(black_png_7000, ImageLimits())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert err.value.code == "image_too_large" and "decode" in err.value.message
    assert peak < 20_000_000  # nothing near 7000 x 7000 pixels was allocated


def test_a_phone_sized_png_and_a_huge_jpeg_are_still_read():
    def encoded(size, fmt):
        buffer = io.BytesIO()
        Image.new("RGB", size, (90, 90, 90)).save(buffer, format=fmt)
        return buffer.getvalue()

    assert load_selfie(encoded((4080, 3072), "PNG"), ImageLimits()).shape == (602, 800, 3)
    assert load_selfie(encoded((7000, 7000), "JPEG"), ImageLimits()).shape == (800, 800, 3)
