"""Real media for the clip tests, made with Debian's ffmpeg and espeak-ng (never mocks).

Outside CI a missing tool skips with its name; in CI (CI=true) a missing tool fails: .ci/run installs
them (scripts/media-deps.sh).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = ("ffmpeg", "espeak-ng")
SPEECH_A = "The caregiver helped Mrs Wang with her bath and checked her blood pressure at nine"
SPEECH_B = "Completely different words about the weather and the trains arriving late today"


def require_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing and os.environ.get("CI") != "true":
        pytest.skip(f"{', '.join(missing)} not installed (scripts/media-deps.sh installs them)")
    assert not missing, f"{missing} missing in CI: scripts/media-deps.sh should have installed them"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


def make_media(folder: Path) -> dict[str, Path]:
    """original.mp4 and its re-uses (re-encoded to WebM/VP8+Opus, trimmed by a second, re-muxed to
    Matroska), an unrelated clip, an audio-only re-use and a long clip."""
    require_tools()
    speech_a, speech_b = folder / "a.wav", folder / "b.wav"
    subprocess.run(["espeak-ng", "-w", str(speech_a), SPEECH_A], check=True)
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(speech_b), SPEECH_B], check=True)
    out = {name: folder / name for name in ("original.mp4", "reencoded.webm", "trimmed.mp4", "remuxed.mkv",
                                            "unrelated.mp4", "audio_only.m4a", "long.mp4")}  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=duration=6:size=320x240:rate=15", "-i", str(speech_a), "-shortest",
            "-c:v", "libx264", "-g", "15", "-c:a", "aac", "-metadata", "creation_time=2026-12-04T08:00:00Z",
            str(out["original.mp4"]))  # fmt: skip
    _ffmpeg("-i", str(out["original.mp4"]), "-c:v", "libvpx", "-b:v", "300k", "-g", "15", "-c:a", "libopus",
             str(out["reencoded.webm"]))  # fmt: skip
    _ffmpeg(
        "-ss",
        "1",
        "-i",
        str(out["original.mp4"]),
        "-c:v",
        "libx264",
        "-g",
        "15",
        "-c:a",
        "aac",
        str(out["trimmed.mp4"]),
    )
    _ffmpeg("-i", str(out["original.mp4"]), "-c", "copy", str(out["remuxed.mkv"]))
    _ffmpeg("-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=15", "-i", str(speech_b), "-t", "6", "-shortest",
            "-c:v", "libx264", "-g", "15", "-c:a", "aac", str(out["unrelated.mp4"]))  # fmt: skip
    _ffmpeg("-i", str(out["original.mp4"]), "-vn", "-c:a", "aac", "-b:a", "64k", str(out["audio_only.m4a"]))
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc=duration=8:size=160x120:rate=5", "-c:v", "libx264", str(out["long.mp4"])
    )
    return out
