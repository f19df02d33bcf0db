"""The same selfie re-used across visits (照片重复使用 / 翻拍).

Flags: a check-in or check-out selfie whose 128-d face encoding is within ``max_embedding_distance``
of, or whose 64-bit perceptual image hash is within ``max_hash_bits`` Hamming bits of, a selfie of a
*different* visit (any caregiver) in ``ctx.prior_attempts``. Attempts of the same visit never count.
Why: a photo of a photo (or a re-submitted file) passes the face match while nobody was at the home;
only the near-identity of the picture gives it away.
Legitimate look-alike: the same caregiver genuinely re-taking a selfie at every visit: two real
photos of one person are 0.2-0.45 apart in embedding space and their hashes differ by many bits,
while a re-submitted photo is about 0.04 apart.
Thresholds: ``max_embedding_distance`` (0.08, Euclidean), ``max_hash_bits`` (4 of 64).
Severity: critical, score 60 (deliberate fabrication of attendance evidence).
Performance: the prior attempts are turned into numpy arrays once per context (cached on the tuple's
identity) and each visit is one matrix product against them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from field_app.rules.base import Rule
from field_app.rules.support import KIND_LABEL, visit_finding

EMBEDDING_DIM = 128
_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (numpy >= 2 has it built in)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    return _POPCOUNT[x.view(np.uint8).reshape(*x.shape, 8)].sum(axis=-1)


@dataclass(frozen=True)
class _Index:
    """Prior attempts as arrays; row i is ``attempts[i]`` (missing encodings/hashes masked)."""

    attempts: tuple
    visit_ids: np.ndarray
    enc: np.ndarray  #: (n, 128) float32: half the memory traffic of float64, ample for 0.08
    enc_sq: np.ndarray
    has_enc: np.ndarray
    hashes: np.ndarray
    has_hash: np.ndarray


_CACHE: dict[str, tuple[tuple, _Index]] = {}


def _parse_hash(value):
    try:
        number = int(value, 16)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**64 else None


def _encoding(attempt):
    enc = attempt.face_encoding
    return enc if enc is not None and len(enc) == EMBEDDING_DIM else None


def _build(prior) -> _Index:
    n = len(prior)
    enc, has_enc = np.zeros((n, EMBEDDING_DIM), dtype=np.float32), np.zeros(n, dtype=bool)
    hashes, has_hash = np.zeros(n, dtype=np.uint64), np.zeros(n, dtype=bool)
    for i, a in enumerate(prior):
        if (e := _encoding(a)) is not None:
            enc[i], has_enc[i] = e, True
        if (h := _parse_hash(a.image_hash)) is not None:
            hashes[i], has_hash[i] = h, True
    visit_ids = np.fromiter((a.visit_id for a in prior), dtype=np.int64, count=n)
    return _Index(tuple(prior), visit_ids, enc, np.einsum("ij,ij->i", enc, enc), has_enc, hashes, has_hash)


def _index(prior) -> _Index:
    """The arrays for ``ctx.prior_attempts``, built once per tuple (the scanner shares one per run)."""
    cached = _CACHE.get("last")
    if cached is None or cached[0] is not prior:
        cached = (prior, _build(prior))
        _CACHE["last"] = cached
    return cached[1]


def _distances(index, attempts, other):
    """(k, n) embedding distances and hash bits from k attempts to the n prior rows; inf = unknown."""
    shape = (len(attempts), len(index.attempts))
    dist, bits = np.full(shape, np.inf, dtype=np.float32), np.full(shape, np.inf, dtype=np.float32)
    rows = [i for i, a in enumerate(attempts) if _encoding(a) is not None]
    if rows:
        q = np.array([_encoding(attempts[i]) for i in rows], dtype=np.float32)
        sq = index.enc_sq[None, :] + np.einsum("ij,ij->i", q, q)[:, None] - 2 * (q @ index.enc.T)
        dist[rows] = np.where(index.has_enc & other, np.sqrt(np.maximum(sq, 0)), np.inf)
    rows = [(i, h) for i, a in enumerate(attempts) if (h := _parse_hash(a.image_hash)) is not None]
    if rows:
        q = np.array([h for _, h in rows], dtype=np.uint64)
        hamming = _popcount(index.hashes[None, :] ^ q[:, None])
        bits[[i for i, _ in rows]] = np.where(index.has_hash & other, hamming, np.inf)
    return dist, bits


def _match(index, attempt, dist, bits, params):
    """The closest prior selfie of another visit within a threshold, as evidence, or None."""
    best = int(np.argmin(dist))
    if dist[best] > params["max_embedding_distance"]:
        best = int(np.argmin(bits))
        if bits[best] > params["max_hash_bits"]:
            return None
    matched = index.attempts[best]
    return {
        "attempt_id": attempt.id,
        "kind": attempt.kind,
        "matched_attempt_id": matched.id,
        "matched_visit_id": matched.visit_id,
        "matched_caregiver_id": matched.caregiver_id,
        "embedding_distance": round(float(dist[best]), 4) if math.isfinite(dist[best]) else None,
        "hash_bits": int(bits[best]) if math.isfinite(bits[best]) else None,
    }


def _message(m, params):
    what = KIND_LABEL.get(m["kind"], m["kind"])
    numbers = []
    if m["embedding_distance"] is not None:
        numbers.append(
            f"embedding distance {m['embedding_distance']:.3f} (limit {params['max_embedding_distance']})"
        )
    if m["hash_bits"] is not None:
        numbers.append(f"image hash {m['hash_bits']} bits apart (limit {params['max_hash_bits']})")
    return (
        f"{what} selfie of attempt {m['attempt_id']} is near-identical to attempt {m['matched_attempt_id']} "
        f"of visit {m['matched_visit_id']} (caregiver {m['matched_caregiver_id']}): {', '.join(numbers)}."
    )


def evaluate(visit, ctx, params):
    if not ctx.prior_attempts or not visit.attempts:
        return
    index = _index(ctx.prior_attempts)
    dist, bits = _distances(index, visit.attempts, index.visit_ids != visit.id)
    found = (_match(index, a, dist[k], bits[k], params) for k, a in enumerate(visit.attempts))
    matches = [m for m in found if m is not None]
    if not matches:
        return
    first = min(
        matches, key=lambda m: m["embedding_distance"] if m["embedding_distance"] is not None else 9.0
    )
    attempt = next(a for a in visit.attempts if a.id == first["attempt_id"])
    evidence = {
        **first,
        "max_embedding_distance": params["max_embedding_distance"],
        "max_hash_bits": params["max_hash_bits"],
        "matches": matches,
    }
    yield visit_finding(visit, _message(first, params), evidence, occurred_at=attempt.fix.at)


RULE = Rule(
    code="F03",
    name="selfie_reused",
    title_en="Selfie re-used",
    title_zh="自拍照重复使用",
    severity="critical",
    score=60,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_embedding_distance": 0.08, "max_hash_bits": 4},
)
