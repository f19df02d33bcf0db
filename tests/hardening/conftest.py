"""Fixtures for the hardening tests (issue 17)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.api.conftest import now, same_person, w  # noqa: F401  (re-exported fixtures)


@pytest.fixture(scope="session")
def blank_photo() -> bytes:
    """A grey 640x480 JPEG: decodes fine, has no face (a failed attempt that is stored as evidence)."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (128, 128, 128)).save(buffer, format="JPEG")
    return buffer.getvalue()
