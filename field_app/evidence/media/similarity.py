"""How alike two clips are: Chromaprint bit error rate at the best alignment, keyframe dHash matches.

Pure functions of plain values (the rule and the upload both use them). A re-encoded, trimmed or
re-muxed copy keeps its audio fingerprint within a low bit error rate at some offset, and its
keyframes within a few bits of the original's; unrelated recordings sit near 50 % bit errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_OVERLAP = 6  #: fingerprint values compared at least (~1-2 s of audio)
MAX_SHIFT = 40  #: alignments tried each way (a trim of several seconds)


@dataclass(frozen=True)
class Likeness:
    audio_ber: float | None  #: best bit error rate of the fingerprints (0 = identical); None = no audio
    audio_shift: int | None  #: at which offset (fingerprint values)
    frames_matched: float | None  #: share of the shorter clip's keyframes found in the other; None = no video


def audio_ber(a: Sequence[int], b: Sequence[int]) -> tuple[float | None, int | None]:
    """The lowest bit error rate over alignments of two raw Chromaprint fingerprints."""
    if len(a) < MIN_OVERLAP or len(b) < MIN_OVERLAP:
        return None, None
    best, where = 1.0, 0
    for shift in range(-min(MAX_SHIFT, len(b) - MIN_OVERLAP), min(MAX_SHIFT, len(a) - MIN_OVERLAP) + 1):
        pairs = list(zip(a[shift:] if shift >= 0 else a, b if shift >= 0 else b[-shift:], strict=False))
        if len(pairs) < MIN_OVERLAP:
            continue
        errors = sum(((x ^ y) & 0xFFFFFFFF).bit_count() for x, y in pairs)
        ber = errors / (32 * len(pairs))
        if ber < best:
            best, where = ber, shift
    return round(best, 4), where


def frames_matched(a: Sequence[str], b: Sequence[str], max_bits: int) -> float | None:
    """Share of the shorter list's keyframe hashes within ``max_bits`` of some hash of the other."""
    if not a or not b:
        return None
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    others = [int(h, 16) for h in long]
    hits = sum(any((int(h, 16) ^ o).bit_count() <= max_bits for o in others) for h in short)
    return round(hits / len(short), 3)


def likeness(fp_a, fp_b, frames_a, frames_b, max_frame_bits: int) -> Likeness:
    ber, shift = audio_ber(fp_a, fp_b)
    return Likeness(ber, shift, frames_matched(frames_a, frames_b, max_frame_bits))


def is_reuse(like: Likeness, max_ber: float, min_frames: float) -> bool:
    """Same recording: audio within ``max_ber`` bit errors, or most keyframes found again."""
    return (like.audio_ber is not None and like.audio_ber <= max_ber) or (
        like.frames_matched is not None and like.frames_matched >= min_frames
    )
