"""Decode an uploaded selfie into a small, upright RGB array, refusing anything unsafe (pure, no Flask).

Phone photos are 12 MP (4000x3000), often stored sideways with an EXIF orientation tag, and iPhones
send HEIC. Face detection time grows with pixels, so the photo is decoded straight to a reduced size
(JPEG's DCT scaling via ``Image.draft``), turned upright, converted to RGB and downscaled so its
longest side is at most ``ImageLimits.max_side``. The byte size and the pixel count from the header
are checked before any pixel is decoded, so a decompression bomb costs nothing.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

try:
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_ERROR: str | None = None
except (ImportError, OSError) as exc:  # OSError: the wheel's bundled libheif failed to load
    HEIF_ERROR = f"{type(exc).__name__}: {exc}"

# ISO base media file brands of HEIF/AVIF stills (bytes 8-12 of an "ftyp" box).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
# What Pillow and its plugins raise on malformed input (their fuzzing contract).
_DECODE_ERRORS = (OSError, ValueError, EOFError, SyntaxError)


class ImageError(Exception):
    """An upload that cannot be used as a selfie; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImageLimits:
    """What an upload may be, and how small it is made before face detection."""

    max_bytes: int = 8 * 1024 * 1024
    #: header width x height; 50 MP is above any phone camera's default (48-50 MP sensors bin to 12 MP)
    max_pixels: int = 50_000_000
    #: Longest side after downscaling. At 800 px every test face was found without upsampling (the
    #: HOG detector sees faces from ~9 % of the long side), detection took 10-75 ms, and encodings
    #: stayed within 0.09 of full-resolution ones; 640 drifted up to 0.13 and 400 missed two faces.
    max_side: int = 800
    #: Pillow format names accepted; JPEG covers MPO (multi-picture JPEGs from some phones).
    formats: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF", "AVIF")
    #: The decode budget: pixels a format without reduced-size decoding (PNG, WebP, HEIF, AVIF) may have.
    #: A JPEG is DCT-scaled while it is decoded (``Image.draft``), so it costs the same at 12 or 50 MP;
    #: the others are decoded whole first (a black 7000x7000 PNG: 48 kB sent, +254 MB and 0.8 s of CPU).
    #: 4096x3072 covers every 12 MP phone camera (4032x3024, 4080x3072) and keeps the worst accepted
    #: upload near a normal check-in (bench/upload_cost.py).
    max_decode_pixels: int = 4096 * 3072
    #: formats whose decoder can shrink while decoding
    reduced_decode: tuple[str, ...] = ("JPEG", "MPO")


def load_selfie(data: bytes, limits: ImageLimits) -> np.ndarray:
    """Decode an upload into an upright RGB uint8 array whose longest side is at most ``max_side``."""
    if len(data) > limits.max_bytes:
        raise ImageError(
            "image_too_large",
            f"The photo is {len(data)} bytes; at most {limits.max_bytes} bytes are accepted.",
        )
    image = _open(data, limits)
    try:
        image.draft("RGB", _draft_size(image.size, limits.max_side))
        image = ImageOps.exif_transpose(image)
        image = _downscale(_to_rgb(image), limits.max_side)
    except _DECODE_ERRORS as exc:
        raise ImageError("image_invalid", f"The photo could not be decoded ({exc}).") from exc
    return np.array(image, dtype=np.uint8)


def _open(data: bytes, limits: ImageLimits) -> Image.Image:
    """Read only the header, check the format and the pixel count."""
    try:
        # Pillow warns above 89 MP and raises above 179 MP, before we can look at the size. Both are
        # above our own limit, so either means "too large"; the warning must not reach the caller.
        # (catch_warnings is process-wide before Python 3.14: racing threads may leave this filter
        # installed, which is harmless.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=limits.formats)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageError("image_too_large", f"The photo has too many pixels ({exc}).") from exc
    except UnidentifiedImageError:
        raise _unidentified(data, limits) from None
    except _DECODE_ERRORS as exc:
        raise ImageError("image_invalid", f"The photo could not be read ({exc}).") from exc
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageError(
            "image_too_large",
            f"The photo is {width}x{height} pixels; at most {limits.max_pixels} pixels are accepted.",
        )
    if image.format not in limits.reduced_decode and width * height > limits.max_decode_pixels:
        raise ImageError(
            "image_too_large",
            f"The {image.format} photo is {width}x{height} pixels, above the decode budget of "
            f"{limits.max_decode_pixels} pixels for formats decoded at full size; send a JPEG or a "
            "smaller photo.",
        )
    return image


def _unidentified(data: bytes, limits: ImageLimits) -> ImageError:
    """Tell an image in a format we do not take from bytes that are no image at all."""
    accepted = ", ".join(limits.formats)
    known = _sniff_format(data)
    if known and known not in limits.formats:
        return ImageError("image_unsupported", f"{known} photos are not accepted; send one of: {accepted}.")
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS and "HEIF" not in Image.OPEN:
        reason = HEIF_ERROR or "the HEIF plugin is not registered"
        return ImageError("image_unsupported", f"HEIC/HEIF photos cannot be decoded here ({reason}).")
    return ImageError("image_invalid", "The upload is not a readable image.")


def _sniff_format(data: bytes) -> str | None:
    """Name the Pillow format whose signature matches, without parsing anything."""
    Image.init()
    prefix = data[:16]
    for name in Image.ID:
        accept = Image.OPEN[name][1]
        try:
            if accept is not None and accept(prefix):
                return name
        except (IndexError, TypeError, struct.error):  # as Pillow's own open(): short prefixes
            continue
    return None


def _draft_size(size: tuple[int, int], max_side: int) -> tuple[int, int] | None:
    """The smallest size a JPEG may be DCT-scaled to and still be downscaled, not upscaled, after."""
    scale = max_side / max(size)
    if scale >= 1:
        return None
    return math.ceil(size[0] * scale), math.ceil(size[1] * scale)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any mode to RGB, putting transparent pixels on white as a viewer would show them."""
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I"):  # 16-bit greyscale PNG: convert("RGB") would clip at 255
        image = image.convert("I").point(lambda value: value * (1 / 256))
    if "A" in image.mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _downscale(image: Image.Image, max_side: int) -> Image.Image:
    """Shrink so the longest side is ``max_side``; small photos are left alone."""
    scale = max_side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap box-reduces first when the ratio is large (HEIC and PNG have no draft mode):
    # 87 ms instead of 230 ms at 12 MP, differing from plain Lanczos by 0.2 grey levels on average.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def perceptual_hash(rgb: np.ndarray) -> str:
    """The 64-bit difference hash (dHash) of an RGB image as 16 hex characters."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 array, got shape {rgb.shape} dtype {rgb.dtype}")
    grey = Image.fromarray(rgb).convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey, dtype=np.int16)
    # One bit per horizontal neighbour pair: "is the right pixel brighter?", robust to JPEG
    # recompression, rescaling and uniform brightness changes.
    bits = pixels[:, 1:] > pixels[:, :-1]
    return np.packbits(bits.ravel()).tobytes().hex()


def hash_distance(a: str, b: str) -> int:
    """The number of differing bits between two perceptual hashes."""
    if len(a) != 16 or len(b) != 16:
        raise ValueError(f"expected two 16-hex-digit hashes, got {a!r} and {b!r}")
    return (int(a, 16) ^ int(b, 16)).bit_count()
