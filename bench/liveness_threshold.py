"""Measure the liveness yaw threshold on the real photos of ../shared/faces (real dlib engine).

Honest bursts: for every person, each photo labelled frontal followed by each photo of them labelled
turned (labels set by eye from a contact sheet, independently of the proxy: POSES below), the turn's
direction from the label; the burst is [frontal, frontal shifted 2 %, turned]. Attacks: every photo as
a static burst (itself, shifted, scaled, rotated 8 degrees). For each threshold: false rejects of
honest bursts, false accepts of static ones. Prints the table and ends with one headline line.

    .venv/bin/python bench/liveness_threshold.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from field_app.demo.static_attacks import shifted, static_burst  # noqa: E402
from field_app.verification.face import FaceSettings  # noqa: E402
from field_app.verification.liveness import (  # noqa: E402
    TURN_LEFT,
    TURN_RIGHT,
    LivenessSettings,
    analyse_burst,
    judge_burst,
)

FACES = ROOT.parent / "shared" / "faces"
#: pose by eye: F frontal, L nose towards the image's left, R towards its right (others: frontal)
POSES = {
    "more_people/guido_van_rossum/2.jpg": "L",
    "more_people/guido_van_rossum/4.jpg": "R",
    "more_people/guido_van_rossum/5.jpg": "R",
    "more_people/paul_allen/3.jpg": "L",
    "more_people/steve_wozniak/4.jpg": "L",
    "people/kit_harington/2.jpg": "L",
    "people/kit_harington/3.jpg": "R",
    "people/obama/2.jpg": "L",
    "people/obama/3.jpg": "R",
    "people/obama/4.jpg": "R",
    "people/biden/1.jpg": "R",
}
THRESHOLDS = (0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18)


def photos() -> dict[str, list[Path]]:
    people: dict[str, list[Path]] = {}
    for path in sorted(FACES.glob("*/*/*")):
        if path.suffix in (".jpg", ".png") and "small" not in path.name and path.parts[-3] != "edge":
            people.setdefault(path.parent.name, []).append(path)
    return people


def main() -> None:
    if not FACES.is_dir():
        sys.exit(f"needs {FACES}")
    settings = FaceSettings()
    honest, static = [], []  # (name, faces, action)
    for person, paths in photos().items():
        pose = {p: POSES.get(str(p.relative_to(FACES)), "F") for p in paths}
        for start in (p for p in paths if pose[p] == "F"):
            data = start.read_bytes()
            static.append((f"{person}/{start.name}", analyse_burst(static_burst(data), settings)))
            for end in (p for p in paths if pose[p] != "F"):
                burst = [data, shifted(data, 0.02), end.read_bytes()]
                action = TURN_LEFT if pose[end] == "L" else TURN_RIGHT
                honest.append((f"{person} {start.name}->{end.name}", analyse_burst(burst, settings), action))
        for end in (p for p in paths if pose[p] != "F"):
            static.append((f"{person}/{end.name}", analyse_burst(static_burst(end.read_bytes()), settings)))
    deltas = [abs(f[-1].yaw - f[0].yaw) for _, f, _ in honest]
    drift = [max(abs(x.yaw - f[0].yaw) for x in f) for _, f in static]
    print(f"honest bursts: {len(honest)} (turn sizes {min(deltas):.3f}-{max(deltas):.3f})")
    print(f"static bursts: {len(static)} (largest yaw drift {max(drift):.3f})")
    print("threshold  false_rejects(honest)  false_accepts(static, either direction)")
    chosen = LivenessSettings().yaw_threshold
    for t in THRESHOLDS:
        s = LivenessSettings(yaw_threshold=t)
        fr = sum(not judge_burst(f, [a], [f[0].encoding], 0.6, s).passed for _, f, a in honest)
        fa = sum(
            judge_burst(f, [a], [f[0].encoding], 0.6, s).passed
            for _, f in static
            for a in (TURN_LEFT, TURN_RIGHT)
        )
        print(f"{t:9.2f}  {fr:3d}/{len(honest)}                 {fa:3d}/{2 * len(static)}")
        if t == chosen:
            headline = f"threshold={t} honest={len(honest)} false_rejects={fr} static={len(static)} false_accepts={fa}"
    worst = sorted(((d, n) for d, (n, _) in zip(drift, static, strict=True)), reverse=True)[:3]
    print("largest static drifts: " + ", ".join(f"{n} {d:.3f}" for d, n in worst))
    chosen_settings = LivenessSettings(yaw_threshold=chosen)
    rejected = [
        n for n, f, a in honest if not judge_burst(f, [a], [f[0].encoding], 0.6, chosen_settings).passed
    ]
    print(f"false rejects at {chosen}: " + ", ".join(rejected))
    for name, f, a in honest:
        print(f"  honest {name:40s} {a:10s} yaw {f[0].yaw:+.4f} -> {f[-1].yaw:+.4f}")
    print(headline + f" min_turn={min(deltas):.3f} max_static_drift={max(drift):.3f}")


if __name__ == "__main__":
    main()
