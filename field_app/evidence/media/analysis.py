"""What a clip is, read with real media libraries: PyAV for the container (duration, codecs, creation
time, keyframes), Chromaprint (``fpcalc`` through ``pyacoustid``) for the audio's fingerprint, and a
64-bit difference hash (dHash) of each video keyframe. Pure functions of a file: no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import av
from PIL import Image

MAX_KEYFRAMES = 60  #: enough for a short clip; a keyframe every ~1-2 s with phones' encoders


@dataclass(frozen=True)
class MediaInfo:
    container: str  #: PyAV's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "ogg"
    duration_s: float
    video_codec: str | None
    audio_codec: str | None
    created_at: datetime | None  #: the container's creation_time tag, when the phone wrote one
    width: int | None = None
    height: int | None = None
    keyframe_hashes: tuple[str, ...] = field(default=())  #: dHash hex of each keyframe, in order
    audio_fingerprint: tuple[int, ...] = field(default=())  #: Chromaprint raw, ~8 values a second


class UnreadableMedia(ValueError):
    """The bytes are not audio or video PyAV can read."""


def dhash(image: Image.Image, size: int = 8) -> str:
    """Difference hash: brighter-than-right-neighbour bits of a (size+1) x size grey thumbnail, as hex."""
    grey = image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    px = grey.tobytes()  # one byte a pixel, row by row
    bits = 0
    for row in range(size):
        for col in range(size):
            left, right = px[row * (size + 1) + col], px[row * (size + 1) + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:0{size * size // 4}x}"


def _created_at(container) -> datetime | None:
    raw = container.metadata.get("creation_time")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _keyframes(path: str) -> tuple[str, ...]:
    hashes = []
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        for frame in container.decode(stream):
            hashes.append(dhash(frame.to_image()))
            if len(hashes) >= MAX_KEYFRAMES:
                break
    return tuple(hashes)


def _fingerprint(path: str) -> tuple[int, ...]:
    """Chromaprint of the first audio stream: PyAV decodes to 11,025 Hz mono PCM, libchromaprint (through
    pyacoustid's ``chromaprint`` binding) fingerprints it. fpcalc would do both, but it exits with an
    error status on the last frame of many short AAC clips, which pyacoustid then refuses."""
    import chromaprint

    printer = chromaprint.Fingerprinter()
    printer.start(11025, 1)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=11025)
    with av.open(path) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                printer.feed(bytes(out.planes[0])[: out.samples * 2])
    for out in resampler.resample(None):
        printer.feed(bytes(out.planes[0])[: out.samples * 2])
    raw, _algorithm = chromaprint.decode_fingerprint(printer.finish())
    return tuple(raw)


def analyse(path: str) -> MediaInfo:
    """Read a clip's metadata, keyframe hashes and audio fingerprint; UnreadableMedia when it is none."""
    try:
        with av.open(path) as container:
            video = container.streams.video[0] if container.streams.video else None
            audio = container.streams.audio[0] if container.streams.audio else None
            if video is None and audio is None:
                raise UnreadableMedia("the file has neither an audio nor a video stream")
            duration = (container.duration or 0) / av.time_base
            info = dict(
                container=container.format.name,
                duration_s=round(duration, 3),
                video_codec=video.codec_context.name if video else None,
                audio_codec=audio.codec_context.name if audio else None,
                created_at=_created_at(container),
                width=video.codec_context.width if video else None,
                height=video.codec_context.height if video else None,
            )
    except (av.FFmpegError, IndexError) as exc:
        raise UnreadableMedia(f"not readable as audio or video: {exc}") from None
    return MediaInfo(
        **info,
        keyframe_hashes=_keyframes(path) if info["video_codec"] else (),
        audio_fingerprint=_fingerprint(path) if info["audio_codec"] else (),
    )
