"""Synthetic selfies and a face engine that reads them, for simulations of many caregivers.

Why it exists: a simulated day needs dozens of distinct caregivers, each with many different
selfies, and a few deliberate frauds (a colleague's face, a re-used photo, no face, two faces).
Real photos exist for six people only (``../shared/faces``), and the dlib engine costs ~0.3 s a
selfie. The rule library and the scanner, which simulations exercise, read recorded face results
as plain values; how those results were reached is not what they test. So a simulated selfie is a
small real PNG whose pixels carry who is in it, and ``SyntheticFaceEngine`` implements the
``FaceEngine`` protocol by reading that identity back. Real-face verification is tested with the
dlib engine on real photos in ``tests/api`` and ``tests/verification``; never use this engine in
production.

The image (any size; 240x240 here): the top quarter holds eight flat cells of colour whose RGB
channels carry four bits each (a magic marker, the face count, the person id, the nonce and a
check value), read back from the middle of each cell at relative positions, so they survive
rescaling and JPEG. Below, a texture of flat blocks seeded by (person, nonce) gives every selfie its
own perceptual hash, while the same (person, nonce) is byte-identical: a "re-used selfie".

Encodings: a fixed per-person direction scaled to ``PERSON_SCALE`` plus a per-(person, nonce)
direction scaled to ``NONCE_SCALE``: two selfies of one person are ~0.28 apart (dlib: 0.2-0.45),
two people ~0.89 apart (dlib: 0.7-1.0), an identical (person, nonce) 0.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

SIZE = 240
CELLS = 8  #: identity cells across the top band
BAND = 0.25  #: the identity band's share of the height
BLOCKS = (6, 8)  #: texture blocks (rows, columns) below the band
MAGIC = (0xA, 0x5, 0xC)
PERSON_SCALE = 0.6
NONCE_SCALE = 0.2
DIM = 128
MAX_ID = 1 << 24  #: person ids and nonces fit in 24 bits (two cells of 12)


def _nibbles(value: int) -> list[int]:
    """A 24-bit value as six 4-bit digits, most significant first."""
    return [(value >> shift) & 0xF for shift in range(20, -4, -4)]


def _value(nibbles: list[int]) -> int:
    out = 0
    for n in nibbles:
        out = (out << 4) | n
    return out


def _cells(person_id: int, nonce: int, faces: int) -> list[tuple[int, int, int]]:
    """The eight identity cells as 4-bit (r, g, b) triples."""
    digits = _nibbles(person_id) + _nibbles(nonce)
    check = (person_id * 31 + nonce * 7 + faces) % 4096
    tail = _nibbles(check)[3:]
    return [MAGIC, (faces, 0, 0), *[tuple(digits[i : i + 3]) for i in range(0, 12, 3)], tuple(tail), MAGIC]


def _level(nibble: int) -> int:
    return 8 + 16 * nibble  # the middle of a 16-wide bin: ±7 of noise still reads back right


def synthetic_selfie(person_id: int, nonce: int, faces: int = 1) -> bytes:
    """A PNG "selfie" of ``person_id`` (``faces`` = 0, 1 or 2 faces in it), different for every nonce."""
    if not (0 <= person_id < MAX_ID and 0 <= nonce < MAX_ID and faces in (0, 1, 2)):
        raise ValueError("person_id and nonce must be in [0, 2**24) and faces 0, 1 or 2")
    pixels = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    band, width = int(SIZE * BAND), SIZE // CELLS
    for i, cell in enumerate(_cells(person_id, nonce, faces)):
        pixels[:band, i * width : (i + 1) * width] = [_level(n) for n in cell]
    rng = np.random.default_rng([person_id, nonce])
    texture = rng.integers(0, 256, size=(*BLOCKS, 3), dtype=np.uint8)
    rows, cols = SIZE - band, SIZE
    pixels[band:] = np.repeat(np.repeat(texture, -(-rows // BLOCKS[0]), axis=0), cols // BLOCKS[1], axis=1)[
        :rows
    ]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def read_identity(rgb: np.ndarray) -> tuple[int, int, int] | None:
    """(person_id, nonce, faces) from a decoded synthetic selfie, or None for any other image."""
    height, width = rgb.shape[:2]
    if height < 8 * 2 or width < CELLS * 4:
        return None
    y0, y1 = int(height * BAND * 0.3), max(int(height * BAND * 0.7), int(height * BAND * 0.3) + 1)
    cells = []
    for i in range(CELLS):
        x0, x1 = int(width * (i + 0.3) / CELLS), int(width * (i + 0.7) / CELLS) + 1
        middle = np.median(rgb[y0:y1, x0:x1].reshape(-1, 3), axis=0)
        cells.append(tuple(int(np.clip(round((v - 8) / 16), 0, 15)) for v in middle))
    if cells[0] != MAGIC or cells[-1] != MAGIC or cells[1][0] > 2:
        return None
    digits = [n for cell in cells[2:6] for n in cell]
    person_id, nonce, faces = _value(digits[:6]), _value(digits[6:]), cells[1][0]
    if _cells(person_id, nonce, faces)[6] != cells[6]:
        return None  # the check value disagrees: not one of ours, or damaged
    return person_id, nonce, faces


def _direction(*seed: int) -> np.ndarray:
    vector = np.random.default_rng(list(seed)).normal(size=DIM)
    return vector / np.linalg.norm(vector)


def synthetic_encoding(person_id: int, nonce: int) -> np.ndarray:
    """The 128-d encoding the engine gives a selfie of ``person_id`` taken with ``nonce``."""
    return PERSON_SCALE * _direction(1, person_id) + NONCE_SCALE * _direction(2, person_id, nonce)


class SyntheticFaceEngine:
    """A ``FaceEngine`` for synthetic selfies: boxes from the face count, encodings from the identity."""

    def locate(
        self, rgb: np.ndarray, *, upsample: int = 0, model: str = "hog"
    ) -> list[tuple[int, int, int, int]]:
        """No box for other images; one big central box, or two side by side, as the selfie says."""
        identity = read_identity(rgb)
        if identity is None or identity[2] == 0:
            return []
        height, width = rgb.shape[:2]
        top, bottom = int(height * 0.35), int(height * 0.9)
        if identity[2] == 1:
            return [(top, int(width * 0.75), bottom, int(width * 0.25))]
        return [
            (top, int(width * 0.45), bottom, int(width * 0.05)),
            (top, int(width * 0.95), bottom, int(width * 0.55)),
        ]

    def encode(self, rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """The identity's encoding; the box is not needed (the identity is in the band)."""
        identity = read_identity(rgb)
        if identity is None:
            raise ValueError("not a synthetic selfie")
        return synthetic_encoding(identity[0], identity[1])
