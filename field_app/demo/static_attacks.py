"""Static-photo liveness attacks made with PIL: one photo shifted, scaled or rotated, as a hand holding
a print or a screen to the camera would move it. For tests and the liveness threshold bench."""

from __future__ import annotations

import io

from PIL import Image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def shifted(photo: bytes, fraction: float = 0.04) -> bytes:
    """The photo moved sideways and down by ``fraction`` of its size (same output size)."""
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    w, h = image.size
    dx, dy = int(w * fraction), int(h * fraction)
    return _jpeg(image.crop((dx, dy, w, h)).resize((w, h)))


def scaled(photo: bytes, factor: float = 0.9) -> bytes:
    """The photo held closer: the centre ``factor`` of it, enlarged back to the full size."""
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    w, h = image.size
    cw, ch = int(w * factor), int(h * factor)
    left, top = (w - cw) // 2, (h - ch) // 2
    return _jpeg(image.crop((left, top, left + cw, top + ch)).resize((w, h)))


def rotated(photo: bytes, degrees: float = 8.0) -> bytes:
    """The photo tilted in its own plane."""
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    return _jpeg(image.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128)))


def static_burst(photo: bytes) -> list[bytes]:
    """One photo, moved about: what a printed photo or a screen before the camera gives."""
    return [photo, shifted(photo), scaled(photo), rotated(photo)]
