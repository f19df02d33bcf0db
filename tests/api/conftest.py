"""Fixtures for API tests: a world with a real enrolled face, the clock, photos by role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from field_app.demo.faces import shared_people
from tests import factories as f

needs_shared_faces = pytest.mark.skipif(
    not shared_people(),
    reason="../shared/faces is absent: another person's face is needed (the packaged portrait is one person)",
)


@pytest.fixture
def now():
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def w(app, client):
    """One agency, caregiver 'obama' enrolled from photo 0 (or the astronaut), client at the Jiaxing home;
    the test client is signed in as that caregiver on phone-1."""
    return f.world(app, client)


@pytest.fixture
def same_person() -> bytes:
    return f.photo("obama", 1)


def check_in(client, w, attempt_id, selfie, at, visit="visit-0001", **kw):
    return client.post(
        f"/api/v1/visits/{visit}/check-in", json=f.attempt_body(w, attempt_id, selfie, at, **kw)
    )


def check_out(client, w, attempt_id, selfie, at, visit="visit-0001", **kw):
    body = f.attempt_body(w, attempt_id, selfie, at, with_client=False, **kw)
    return client.post(f"/api/v1/visits/{visit}/check-out", json=body)


@pytest.fixture(scope="session")
def two_faces_photo() -> bytes:
    """Two people in one frame: the shared photo, or two copies of the packaged portrait side by side."""
    from field_app.demo.faces import SHARED_FACES

    shared = SHARED_FACES / "edge" / "two_faces_obama_biden.jpg"
    if shared.is_file():
        return shared.read_bytes()
    import io

    import numpy as np
    from PIL import Image

    face = np.asarray(Image.open(io.BytesIO(f.photo("astronaut", 0))).convert("RGB"))
    buffer = io.BytesIO()
    Image.fromarray(np.concatenate([face, face], axis=1)).save(buffer, format="JPEG")
    return buffer.getvalue()
