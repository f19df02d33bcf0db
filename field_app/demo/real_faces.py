"""Real faces for the simulated day: some caregivers are real people from ../shared/faces.

``RealFaceSource`` stands in for ``synthetic_selfie``. A caregiver (face identity) given a real person
is enrolled from 2 of that person's photos (1 for a two-photo person) padded to 3 with derived frames,
and every other photo is **held out**: each held-out photo is one visit's check-in selfie, so no two
visits share a picture (a phone never sends the same picture twice, and F03 would rightly flag it).
A person has only 2-6 photos, so a real caregiver makes at most as many visits as she has held-out
photos. Within a visit, the check-out and any retake are **derived frames** of the check-in photo (a
different crop, 4-12 % off each side, brightness x0.8-1.2, up to 4 degrees of rotation, re-encoded):
other frames of the same moment, which makes the check-out's match easier than in the field — the
check-in is the honest test. F03 never compares a visit's own attempts.

``CompositeFaceEngine`` routes each image: synthetic selfies (they carry their identity in their
pixels) to ``SyntheticFaceEngine``, everything else to the real dlib engine, so one simulated day can
mix real-faced caregivers with synthetic ones.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from field_app.demo.faces import SHARED_FACES
from field_app.demo.synthetic_faces import SyntheticFaceEngine, read_identity, synthetic_selfie
from field_app.verification.face import DlibFaceEngine, FaceSettings, analyse_selfie

#: people with at least two photos (a held-out one for selfies), strongest first; and one-photo
#: people, used only as strangers (never the face a caregiver was enrolled with)
GENUINE = (
    "obama",
    "guido_van_rossum",
    "paul_allen",
    "steve_wozniak",
    "kit_harington",
    "biden",
    "rose_leslie",
    "alex_lacamoire",
)
STRANGERS = ("lin_manuel_miranda", "elon_musk")


def person_photos(name: str) -> list[Path]:
    for folder in ("people", "more_people"):
        path = SHARED_FACES / folder / name
        if path.is_dir():
            return sorted(p for p in path.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return []


def distinct_shots(photos: list[bytes], same_shot: float = 0.1) -> list[bytes]:
    """The photos that are not crops of an earlier one: obama 1, 5 and 6_small are one portrait
    (0.055-0.082 apart, as F03 sees a re-submitted photo), so only the first of them is kept."""
    kept: list[tuple[bytes, np.ndarray]] = []
    for photo in photos:
        encoding = analyse_selfie(photo, FaceSettings()).encoding
        if all(np.linalg.norm(encoding - other) >= same_shot for _, other in kept):
            kept.append((photo, encoding))
    return [photo for photo, _ in kept]


def derived_frame(photo: bytes, rng: random.Random) -> bytes:
    """Another frame of the same shot: crop, brightness, a small rotation, JPEG again."""
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    w, h = image.size
    box = tuple(
        round(v)
        for v in (
            w * rng.uniform(0.04, 0.12),
            h * rng.uniform(0.04, 0.12),
            w * (1 - rng.uniform(0.04, 0.12)),
            h * (1 - rng.uniform(0.04, 0.12)),
        )
    )
    image = image.crop(box).rotate(rng.uniform(-4, 4), resample=Image.Resampling.BICUBIC, expand=False)
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.8, 1.2))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=rng.randint(85, 93))
    return buffer.getvalue()


@dataclass
class RealPerson:
    name: str
    enrol: list[bytes]  #: the three enrolment photos (derived frames fill up when a person has few)
    held_out: list[bytes]  #: real photos never enrolled: one per visit, as its check-in selfie
    visits: int = 0  #: visits begun so far
    in_visit: int = 0  #: selfies handed out in the current visit
    derived: int = 0  #: derived frames handed out (check-outs and retakes)


@dataclass
class RealFaceSource:
    """``(person, nonce, faces) -> selfie bytes`` for the simulated phones; see the module docstring."""

    people: dict[int, RealPerson] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(16))
    fallback: Callable[..., bytes] = synthetic_selfie
    current: int | None = None  #: whose visit is being driven

    def assign(self, person: int, name: str) -> None:
        """Give face identity ``person`` the real person ``name``: 2 real enrolment photos (1 for a
        two-photo person) padded to 3 with derived frames; every other photo is held out for visits."""
        photos = distinct_shots([p.read_bytes() for p in person_photos(name)])
        keep = min(2, max(1, len(photos) - 1))
        enrol = photos[:keep]
        while len(enrol) < 3:
            enrol.append(derived_frame(photos[0], self.rng))
        self.people[person] = RealPerson(name, enrol, photos[keep:])

    def enrolment(self, person: int) -> list[bytes] | None:
        """The enrolment photos of a real person, or None for a synthetic one."""
        real = self.people.get(person)
        return None if real is None else list(real.enrol)

    def visit_budget(self, person: int) -> int | None:
        """How many more visits a real person's photos allow (one held-out photo each); None: no limit."""
        real = self.people.get(person)
        return None if real is None else len(real.held_out) - real.visits

    def new_visit(self, person: int) -> None:
        """A visit begins: its first selfie is the next held-out photo."""
        self.current = person
        real = self.people.get(person)
        if real is not None:
            real.visits += 1
            real.in_visit = 0

    def __call__(self, person: int, nonce: int, faces: int = 1) -> bytes:
        real = self.people.get(person)
        if real is None:
            return self.fallback(person, nonce, faces)
        if faces == 0:
            return _no_face(self.rng)
        if faces == 2:
            return derived_frame((SHARED_FACES / "edge" / "two_faces_obama_biden.jpg").read_bytes(), self.rng)
        if person != self.current:  # her face in someone else's visit (代签): a fresh shot of her,
            real.derived += 1  # from her second enrolment photo, never a copy of her own visits'
            return derived_frame(real.enrol[1], self.rng)
        photo = real.held_out[(real.visits - 1) % len(real.held_out)] if real.held_out else real.enrol[0]
        real.in_visit += 1
        if real.in_visit == 1:
            return photo  # the check-in: a real photo no other visit uses
        real.derived += 1  # the check-out and retakes: other frames of the same moment (F03 ignores
        return derived_frame(photo, self.rng)  # a visit's own attempts)


def _no_face(rng: random.Random) -> bytes:
    """A picture of a wall: noise on a grey gradient, as a phone pointed away gives."""
    base = np.linspace(90, 170, 640, dtype=np.float32)[None, :, None] * np.ones((480, 1, 3), np.float32)
    pixels = np.clip(base + np.random.default_rng(rng.randint(0, 10**6)).normal(0, 6, base.shape), 0, 255)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


class CompositeFaceEngine(SyntheticFaceEngine):
    """Synthetic selfies to the synthetic engine, real photos to dlib (see the module docstring)."""

    def __init__(self) -> None:
        self.real = DlibFaceEngine()

    def locate(self, rgb, *, upsample=0, model="hog"):
        if read_identity(rgb) is not None:
            return super().locate(rgb, upsample=upsample, model=model)
        return self.real.locate(rgb, upsample=upsample, model=model)

    def encode(self, rgb, box):
        if read_identity(rgb) is not None:
            return super().encode(rgb, box)
        return self.real.encode(rgb, box)

    def landmarks(self, rgb, box):
        if read_identity(rgb) is not None:
            return None
        return self.real.landmarks(rgb, box)
