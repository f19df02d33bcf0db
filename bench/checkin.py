"""Time the face part of a check-in on a 12 MP phone-like selfie, against the naive full-size approach,
and the liveness burst a check-in adds when liveness is required (3 frames of 12 MP, real head turn).

Run: .venv/bin/python bench/checkin.py [--runs 20] [--naive-runs 2] [--liveness-runs 10]
The last line holds the headline figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a plain script: make field_app importable without installing it

from field_app.verification.face import FaceSettings, analyse_selfie, default_engine, match_face  # noqa: E402
from field_app.verification.images import load_selfie  # noqa: E402
from field_app.verification.liveness import TURN_RIGHT, analyse_burst, judge_burst  # noqa: E402

FACES = REPO.parent / "shared" / "faces" / "people"


def source_photos() -> tuple[str, Image.Image, bytes]:
    """(description, the face to put in the selfie, an enrolment photo of the same person)."""
    if (FACES / "obama").is_dir():
        face = Image.open(FACES / "obama" / "1.jpg").convert("RGB")
        return (
            "../shared/faces obama/1 (enrolled from obama/2)",
            face,
            (FACES / "obama" / "2.jpg").read_bytes(),
        )
    from skimage import data

    face = Image.fromarray(data.astronaut()).crop((100, 0, 350, 300))
    return "skimage astronaut head (../shared absent; enrolled from the crop itself)", face, jpeg(face)


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def phone_selfie(face: Image.Image) -> bytes:
    """A 4000x3000 JPEG with the face filling most of the frame's height, as a front camera takes it."""
    canvas = Image.new("RGB", (4000, 3000), (96, 104, 112))
    width = round(face.width * 2800 / face.height)
    canvas.paste(face.resize((width, 2800), Image.Resampling.BICUBIC), ((4000 - width) // 2, 100))
    # Sensor noise: an upscaled photo is unnaturally smooth and would compress (and decode) too easily.
    noise = np.random.default_rng(0).normal(0, 4, (3000, 4000, 3))
    pixels = np.clip(np.asarray(canvas, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    return jpeg(Image.fromarray(pixels))


def timed(function: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock milliseconds of each run."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def burst_sources(face: Image.Image) -> list[Image.Image]:
    """Three frames of one person turning right: obama/5 (frontal), obama/5 moved a little, obama/4
    (turned); without ../shared, the one portrait three times (the verdict is then 'not seen')."""
    if (FACES / "obama").is_dir():
        frontal = Image.open(FACES / "obama" / "5.jpg").convert("RGB")
        moved = frontal.crop((8, 8, frontal.width, frontal.height)).resize(frontal.size)
        return [frontal, moved, Image.open(FACES / "obama" / "4.jpg").convert("RGB")]
    return [face, face.rotate(2), face.rotate(-2)]


def time_liveness(face: Image.Image, enrolment: np.ndarray, settings: FaceSettings, runs: int) -> list[float]:
    """Milliseconds to judge a 3-frame 12 MP burst (decode, detect, encode, landmarks, verdict)."""
    frames = [phone_selfie(f) for f in burst_sources(face)]

    def judge():
        return judge_burst(
            analyse_burst(frames, settings), [TURN_RIGHT], [enrolment], settings.match_threshold
        )

    verdict = judge()
    print(
        f"liveness burst: 3 x 4000x3000 JPEG, passed {verdict.passed} ({verdict.code}), yaws {verdict.as_json()['yaws']}"
    )
    return timed(judge, runs) if runs > 0 else [float("nan")]


def p95(times: list[float]) -> float:
    return float(np.percentile(times, 95))


def naive(selfie: bytes, enrolment: np.ndarray) -> float:
    """The face_recognition README way: decode at full size, detect (upsample 1), encode, compare."""
    import face_recognition

    image = face_recognition.load_image_file(io.BytesIO(selfie))
    boxes = face_recognition.face_locations(image)
    encodings = face_recognition.face_encodings(image, boxes)
    return float(face_recognition.face_distance([enrolment], encodings[0])[0])


def time_naive(selfie: bytes, enrolment: np.ndarray, runs: int) -> float:
    """Median milliseconds of the naive approach (nan when skipped), printing the distance it finds."""
    if runs < 1:
        return float("nan")
    times, distances = [], []
    for _ in range(runs):
        start = time.perf_counter()
        distances.append(naive(selfie, enrolment))
        times.append((time.perf_counter() - start) * 1000)
    print(f"naive: full-size distance {distances[-1]:.3f}, runs (ms) {[round(t) for t in times]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of analyse_selfie + match_face")
    parser.add_argument("--naive-runs", type=int, default=2, help="timed runs of the naive approach")
    parser.add_argument(
        "--liveness-runs", type=int, default=10, help="timed runs of a 3-frame liveness burst"
    )
    args = parser.parse_args()

    import dlib

    settings = FaceSettings()
    described, face, enrolment_photo = source_photos()
    selfie = phone_selfie(face)
    enrolment = analyse_selfie(enrolment_photo, settings).encoding  # also loads the engine, untimed
    print(f"dlib {dlib.__version__} DLIB_USE_BLAS={dlib.DLIB_USE_BLAS}; face: {described}")
    print(f"selfie: 4000x3000 JPEG, {len(selfie) / 1e6:.1f} MB; {settings}")

    def check():
        sample = analyse_selfie(selfie, settings)
        return sample, match_face(sample.encoding, [enrolment], settings.match_threshold)

    sample, match = check()
    print(
        f"detection image {sample.image_size}, box {sample.box}, distance {match.distance:.3f}, matched {match.matched}"
    )
    times = timed(check, args.runs)
    print_stages(selfie, settings, sample.box, max(3, args.runs // 4))
    naive_ms = time_naive(selfie, enrolment, args.naive_runs)
    live = time_liveness(face, enrolment, settings, args.liveness_runs)
    p50 = statistics.median(times)
    print(
        f"blas={dlib.DLIB_USE_BLAS} runs={args.runs} p50_ms={p50:.0f} p95_ms={p95(times):.0f} "
        f"naive_runs={args.naive_runs} naive_ms={naive_ms:.0f} speedup={naive_ms / p50:.1f} "
        f"liveness_runs={args.liveness_runs} liveness_p50_ms={statistics.median(live):.0f} "
        f"liveness_p95_ms={p95(live):.0f} with_liveness_p95_ms={p95(times) + p95(live):.0f}"
    )


def print_stages(selfie: bytes, settings: FaceSettings, box, runs: int) -> None:
    """Median milliseconds of each stage, to see where the time goes."""
    engine = default_engine()
    rgb = load_selfie(selfie, settings.limits)
    stages = {
        "decode+downscale": lambda: load_selfie(selfie, settings.limits),
        "detect": lambda: engine.locate(rgb, upsample=settings.upsample, model=settings.model),
        "encode": lambda: engine.encode(rgb, box),
    }
    medians = {name: statistics.median(timed(stage, runs)) for name, stage in stages.items()}
    print("stages (median ms): " + ", ".join(f"{name} {ms:.0f}" for name, ms in medians.items()))


if __name__ == "__main__":
    main()
