"""What an upload costs the worker before it is answered: a normal selfie against cheap-to-send,
expensive-to-decode images (a black 7000x7000 PNG is 48 kB on the wire, 147 MB decoded as RGB).

Each case runs in two fresh processes. CPU: the process's own CPU time for the face part of the
check-in (decode, detect, encode) with the engine loaded and warmed, median of --runs. Memory: the rise
of the peak resident set (VmHWM, reset first) of a process that only decodes the upload: the decode is
where the memory goes (detection runs on at most 800x800 px), and loading the engine frees large
temporaries that a later decode would reuse unseen. Linux only (/proc).

Run: .venv/bin/python bench/upload_cost.py [--runs 3]
The last line holds the headline figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.checkin import jpeg, phone_selfie, source_photos  # noqa: E402

CASES = (
    "selfie_12mp_jpeg",
    "black_7000_png",
    "black_7000_jpeg",
    "grey_4000x3000_png",
    "gradient_4096x3072_png",  # the largest PNG within the decode budget, not flat
    "noise_1600x1200_png",
)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def upload(case: str) -> bytes:
    if case == "selfie_12mp_jpeg":
        return phone_selfie(source_photos()[1])
    if case == "black_7000_png":
        return _png(Image.new("L", (7000, 7000), 0))
    if case == "black_7000_jpeg":
        return jpeg(Image.new("RGB", (7000, 7000), (0, 0, 0)))
    if case == "grey_4000x3000_png":
        return _png(Image.new("RGB", (4000, 3000), (128, 128, 128)))
    if case == "gradient_4096x3072_png":
        return _png(Image.linear_gradient("L").resize((4096, 3072)).convert("RGB"))
    noise = np.random.default_rng(0).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    return _png(Image.fromarray(noise))


def _peak_kb() -> int:
    """The process's peak resident set (VmHWM) in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(path: Path, what: str, runs: int) -> dict:
    """In this (fresh) process: ``cpu`` of the face part of a check-in, or ``mem`` of decoding alone."""
    from field_app.verification.face import FaceError, FaceSettings, analyse_selfie, default_engine
    from field_app.verification.images import ImageError, load_selfie

    data = path.read_bytes()
    if what == "mem":
        # the peak is inherited across fork and exec (ru_maxrss): reset it, then read the new one
        Path("/proc/self/clear_refs").write_text("5")
        baseline = _peak_kb()
        with contextlib.suppress(ImageError):
            load_selfie(data, FaceSettings().limits)
        return {"rss_mb": (_peak_kb() - baseline) / 1024}
    default_engine().load()
    analyse_selfie(jpeg(source_photos()[1]), FaceSettings())  # warm the engine on a small photo
    cpu, outcome = [], ""
    for _ in range(runs):
        start = time.process_time()
        try:
            analyse_selfie(data, FaceSettings())
            outcome = "face"
        except (ImageError, FaceError) as exc:
            outcome = exc.code
        cpu.append((time.process_time() - start) * 1000)
    return {"bytes": len(data), "cpu_ms": statistics.median(cpu), "outcome": outcome}


def in_fresh_process(path: str, what: str, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", what, "--file", path, "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one measurement in this process
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.file), args.measure, args.runs)))
        return
    print(
        f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (shared), Python {sys.version.split()[0]}"
    )
    results = {}
    for case in CASES:
        with tempfile.NamedTemporaryFile(suffix=".upload") as file:
            file.write(upload(case))
            file.flush()
            r = {**in_fresh_process(file.name, "cpu", args.runs), **in_fresh_process(file.name, "mem", 1)}
        results[case] = r
        print(
            f"{case:22s} {r['bytes'] / 1e3:7.0f} kB  cpu {r['cpu_ms']:5.0f} ms  "
            f"decode +{r['rss_mb']:4.0f} MB  -> {r['outcome']}"
        )
    normal, black = results["selfie_12mp_jpeg"], results["black_7000_png"]
    print(
        f"selfie_cpu_ms={normal['cpu_ms']:.0f} selfie_decode_mb={normal['rss_mb']:.0f} "
        f"black_png_cpu_ms={black['cpu_ms']:.0f} black_png_decode_mb={black['rss_mb']:.0f} "
        f"black_png={black['outcome']}"
    )


if __name__ == "__main__":
    main()
