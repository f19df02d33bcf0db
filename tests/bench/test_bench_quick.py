"""The in-process benches (bench/geofence.py, bench/checkin.py) run as documented and end with their figures.

They need no database, so they run in both passes; only the outcome lines are asserted, never timings.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.bench.test_bench_small import REPO, last_line


def run_script(script: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (
        f"{script} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    )
    return proc.stdout


def figures(out: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in last_line(out).split())


def test_geofence_bench_times_circle_and_polygon_fences_for_a_fix_and_a_trail():
    headline = figures(run_script("geofence.py", "--number", "20"))
    assert set(headline) == {"circle_fix_us", "circle_trail60_us", "polygon_fix_us", "polygon_trail60_us"}
    assert all(float(v) > 0 for v in headline.values())


def test_checkin_bench_matches_the_selfie_and_reports_its_dlib_build():
    out = run_script("checkin.py", "--runs", "1", "--naive-runs", "1", "--liveness-runs", "1")
    assert "matched True" in out
    assert "liveness burst: 3 x 4000x3000 JPEG" in out
    headline = figures(out)
    assert headline["blas"] in {"True", "False"} and headline["runs"] == "1" and headline["naive_runs"] == "1"
    assert "full-size distance" in out  # the naive path it is compared with ran on the same selfie
    assert float(headline["liveness_p95_ms"]) > 0 and headline["liveness_runs"] == "1"


def test_face_threshold_bench_chooses_the_configured_threshold():
    """The curve's operating point is the shipped default: re-running the bench cannot drift from config."""
    from field_app.config import SETTINGS
    from field_app.demo.faces import SHARED_FACES

    if not (SHARED_FACES / "people").is_dir():
        pytest.skip(f"{SHARED_FACES} is absent: the threshold curve needs the labelled photos")
    headline = figures(run_script("face_threshold.py"))
    assert float(headline["threshold"]) == SETTINGS["FACE_MATCH_THRESHOLD"][1]
    assert headline["far"] == "0.0%" and headline["frr_gallery3"] == "0.0%"
