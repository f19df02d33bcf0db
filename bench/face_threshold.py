"""The face threshold's false-accept / false-reject curve over every labelled photo in ../shared/faces.

Every photo of ``people/`` and ``more_people/`` goes through the project's own pipeline
(``verification.images.load_selfie``: EXIF, RGB, 800 px) and the real dlib engine
(``verification.face.analyse_photo``). Then, for each threshold:

- **one enrolment photo**: every unordered pair of photos; same person = genuine, else impostor;
- **a gallery of k photos** (k = 3, 4, 5, for every person with more than k photos): every k-subset
  of a person's photos is a gallery, each of that person's other photos a genuine probe and every
  other person's photo an impostor probe; the score is the smallest distance to the gallery (what
  ``match_face`` does), and, for comparison, the mean of the best two.

The operating point (the method the README states): the largest threshold, on a 0.01 grid, that has
no false accept in any mode **and** stays ``--margin`` (0.05) below the closest impostor distance
seen; its false-reject rates are printed for each mode. It also prints each photo's quality measures
(face size, sharpness, brightness, yaw), from which ``verification.quality.QualityLimits`` were set.

Run: .venv/bin/python bench/face_threshold.py [--margin 0.05]
The last line holds the headline figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a plain script: make field_app importable without installing it

from field_app.demo.faces import SHARED_FACES, labelled_people  # noqa: E402
from field_app.verification.face import FaceSettings, analyse_photo  # noqa: E402

GRID = [round(0.30 + 0.02 * i, 2) for i in range(21)]  # 0.30 ... 0.70


def encode_all() -> tuple[list[str], list[str], np.ndarray]:
    """(person of each photo, its path relative to ../shared/faces, its encoding), printing its quality."""
    people, names, rows = [], [], []
    settings = FaceSettings()
    print(f"{'photo':38} {'face_px':>7} {'sharp':>7} {'bright':>6} {'yaw':>6}")
    for person, paths in labelled_people().items():
        for path in paths:
            sample, quality = analyse_photo(path.read_bytes(), settings)
            people.append(person)
            names.append(str(path.relative_to(SHARED_FACES)))
            rows.append(sample.encoding)
            yaw = "" if quality.yaw is None else f"{quality.yaw:+.2f}"
            print(
                f"{names[-1]:38} {quality.face_px:7d} {quality.sharpness:7.0f} {quality.brightness:6.0f} {yaw:>6}"
            )
    return people, names, np.asarray(rows)


def single_pairs(people: list[str], enc: np.ndarray) -> tuple[list[float], list[float]]:
    genuine, impostor = [], []
    for i, j in itertools.combinations(range(len(people)), 2):
        d = float(np.linalg.norm(enc[i] - enc[j]))
        (genuine if people[i] == people[j] else impostor).append(d)
    return genuine, impostor


def gallery_scores(people: list[str], enc: np.ndarray, k: int, score) -> tuple[list[float], list[float]]:
    """Genuine and impostor scores of every k-photo gallery against every probe outside it."""
    genuine, impostor = [], []
    by_person: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        by_person.setdefault(person, []).append(index)
    for person, indexes in by_person.items():
        if len(indexes) <= k:
            continue
        for gallery in itertools.combinations(indexes, k):
            for probe in range(len(people)):
                if probe in gallery:
                    continue
                distances = np.sort(np.linalg.norm(enc[list(gallery)] - enc[probe], axis=1))
                (genuine if people[probe] == person else impostor).append(score(distances))
    return genuine, impostor


def rates(genuine: list[float], impostor: list[float], threshold: float) -> tuple[float, float, int, int]:
    """(false-accept rate, false-reject rate, false accepts, false rejects) at ``threshold``."""
    fa = sum(d <= threshold for d in impostor)
    fr = sum(d > threshold for d in genuine)
    return fa / len(impostor), fr / len(genuine), fa, fr


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--margin", type=float, default=0.05, help="distance kept below the closest impostor")
    args = parser.parse_args()
    if not (SHARED_FACES / "people").is_dir():
        sys.exit(f"{SHARED_FACES} is absent: this bench needs the labelled photos")
    started = time.perf_counter()
    people, _names, enc = encode_all()
    print(
        f"\n{len(people)} photos of {len(set(people))} people encoded in {time.perf_counter() - started:.1f} s"
    )
    modes = {"1 photo": single_pairs(people, enc)}
    for k in (3, 4, 5):
        g, i = gallery_scores(people, enc, k, lambda d: float(d[0]))
        if g:
            modes[f"gallery {k}, min"] = (g, i)
        g, i = gallery_scores(people, enc, k, lambda d: float(d[:2].mean()))
        if g:
            modes[f"gallery {k}, best-2"] = (g, i)
    print(f"\n{'mode':20} {'genuine':>8} {'max':>6} {'impostor':>8} {'min':>6}")
    for mode, (g, i) in modes.items():
        print(f"{mode:20} {len(g):8d} {max(g):6.3f} {len(i):8d} {min(i):6.3f}")
    print("\nfalse accepts / false rejects (%) by threshold")
    print(f"{'t':>5} " + " ".join(f"{mode:>18}" for mode in modes))
    for t in GRID:
        cells = []
        for g, i in modes.values():
            far, frr, _, _ = rates(g, i, t)
            cells.append(f"{100 * far:7.2f} / {100 * frr:6.2f}")
        print(f"{t:5.2f} " + " ".join(f"{c:>18}" for c in cells))
    closest = min(min(i) for _, i in modes.values())
    chosen = math.floor((closest - args.margin) * 100) / 100
    print(f"\nclosest impostor {closest:.3f}; margin {args.margin}: threshold {chosen:.2f}")
    for mode, (g, i) in modes.items():
        far, frr, fa, fr = rates(g, i, chosen)
        print(f"  {mode:20} false accepts {fa}/{len(i)}  false rejects {fr}/{len(g)} ({100 * frr:.1f} %)")
    one = rates(*modes["1 photo"], chosen)
    gallery = rates(*modes.get("gallery 3, min", modes["1 photo"]), chosen)
    at_half = rates(*modes["1 photo"], 0.5)
    print(
        f"photos={len(people)} people={len(set(people))} threshold={chosen:.2f} closest_impostor={closest:.3f} "
        f"frr_1photo={100 * one[1]:.1f}% frr_gallery3={100 * gallery[1]:.1f}% far={100 * max(one[0], gallery[0]):.1f}% "
        f"frr_1photo_at_0.50={100 * at_half[1]:.1f}%"
    )


if __name__ == "__main__":
    main()
