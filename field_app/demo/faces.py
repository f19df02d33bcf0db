"""Where real faces come from: ../shared/faces beside the project, or a portrait a package ships."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_FACES = REPO_ROOT.parent / "shared" / "faces"


def shared_people() -> dict[str, list[Path]]:
    """Person name -> photo paths from ../shared/faces/people (empty when the folder is absent)."""
    people_dir = SHARED_FACES / "people"
    if not people_dir.is_dir():
        return {}
    return {
        person.name: sorted(p for p in person.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        for person in sorted(people_dir.iterdir())
        if person.is_dir()
    }


def labelled_people() -> dict[str, list[Path]]:
    """Every labelled photo the project may use: ``people/`` and ``more_people/`` (its README), by person.

    ``more_people`` is kept apart in ../shared so that code enumerating ``people/`` is unchanged;
    threshold curves and the detection bench want every labelled photo, hence this union."""
    merged = shared_people()
    more = SHARED_FACES / "more_people"
    if more.is_dir():
        for person in sorted(p for p in more.iterdir() if p.is_dir()):
            merged[person.name] = sorted(
                p for p in person.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")
            )
    return merged


@cache
def astronaut_jpeg(shift: int = 0) -> bytes:
    """Eileen Collins' NASA portrait from scikit-image (public domain), cropped to her head.

    The full picture also holds a patch that dlib takes for a second face, hence the crop; ``shift``
    moves the crop window to give a second, slightly different photo of the same person.
    """
    from PIL import Image
    from skimage import data

    rgb = data.astronaut()[0 + shift : 300 + shift, 100 + shift : 350 + shift]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()
