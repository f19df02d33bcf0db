"""The same audio/video clip sent again for another visit (音视频重复使用).

Flags: a clip of this visit whose bytes are identical (same SHA-256) to, or whose recording is the
same as, an *earlier* clip of a *different* visit in ``ctx.prior_clips`` (the copy is flagged, not
the original): its Chromaprint audio fingerprint
within ``max_audio_ber`` bit errors at the best alignment, or at least ``min_frames_matched`` of its
video keyframes within ``max_frame_bits`` bits (dHash) of the other clip's. Re-encoding, another
container, a trimmed second or a lower bitrate keep both (measured: 0.01-0.03 bit errors, all
keyframes found), while unrelated recordings sit at 0.3-0.5 and share no keyframes.
Why: a clip is evidence that someone was there, doing the care, at that time; a recording made once
and sent for many visits is fabricated evidence, whoever's visits they are.
Legitimate look-alike: two clips of the same quiet room or a silent clip: silence and a still frame
fingerprint alike. Clips without audio values or keyframes are not compared on that channel, and a
person reviews the alert with both clips side by side.
Thresholds: ``max_audio_ber`` 0.15, ``min_frames_matched`` 0.6, ``max_frame_bits`` 10 (of 64).
Severity: critical, score 60 (deliberate fabrication of attendance evidence, like a re-used selfie).
"""

from __future__ import annotations

from field_app.evidence.media.similarity import is_reuse, likeness
from field_app.rules.base import Rule
from field_app.rules.support import visit_finding


def _match(clip, other, params) -> dict | None:
    if clip.sha256 == other.sha256:
        return {"same_bytes": True, "audio_ber": 0.0, "frames_matched": 1.0}
    like = likeness(clip.audio_fingerprint, other.audio_fingerprint, clip.keyframe_hashes,
                    other.keyframe_hashes, params["max_frame_bits"])  # fmt: skip
    if not is_reuse(like, params["max_audio_ber"], params["min_frames_matched"]):
        return None
    return {"same_bytes": False, "audio_ber": like.audio_ber, "frames_matched": like.frames_matched}


def _earlier(other, clip) -> bool:
    return (other.received_at, other.id) < (clip.received_at, clip.id)


def _matches(visit, ctx, params):
    for clip in visit.clips:
        for other in ctx.prior_clips:
            if other.visit_id != visit.id and _earlier(other, clip) and (m := _match(clip, other, params)):
                yield {"clip_id": clip.id, "matched_clip_id": other.id, "matched_visit_id": other.visit_id,
                       "matched_caregiver_id": other.caregiver_id, **m}  # fmt: skip


def evaluate(visit, ctx, params):
    if not visit.clips or not ctx.prior_clips:
        return
    matches = list(_matches(visit, ctx, params))
    if not matches:
        return
    first = matches[0]
    how = (
        "the same bytes"
        if first["same_bytes"]
        else f"audio {first['audio_ber']} bit errors, keyframes matched {first['frames_matched']}"
    )
    message = (
        f"Clip {first['clip_id']} is a recording already sent as clip {first['matched_clip_id']} of visit "
        f"{first['matched_visit_id']} (caregiver {first['matched_caregiver_id']}): {how}."
    )
    clip = next(c for c in visit.clips if c.id == first["clip_id"])
    evidence = {
        **first,
        **{k: params[k] for k in ("max_audio_ber", "min_frames_matched")},
        "matches": matches,
    }
    yield visit_finding(visit, message, evidence, occurred_at=clip.received_at)


RULE = Rule(
    code="E01",
    name="clip_reused",
    title_en="Audio/video clip re-used",
    title_zh="音视频重复使用",
    severity="critical",
    score=60,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_audio_ber": 0.15, "min_frames_matched": 0.6, "max_frame_bits": 10},
)
