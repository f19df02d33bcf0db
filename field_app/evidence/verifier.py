"""Offline verification of an evidence bundle: RFC 6962 / RFC 9162 hashing and proofs, Ed25519 heads.

This module is deliberately standalone: it imports only the standard library and ``cryptography``, so
a court, the bureau or an agency can copy this one file and run ``python verifier.py bundle.json``
without field_app. ``flask evidence verify`` runs the same code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from collections.abc import Sequence

LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"
BUNDLE_FORMAT = "field_app.evidence-bundle/1"


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 §2.1: MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 §2.1: SHA-256(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def canonical_json(obj) -> bytes:
    """The one serialisation every hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def row_hash(row: dict) -> str:
    return hashlib.sha256(canonical_json(row)).hexdigest()


class ProofError(ValueError):
    """A proof, hash or signature that does not check out; the message says which."""


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root an inclusion path leads to (raises when the path cannot fit)."""
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion path is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, path) != root:
        raise ProofError(f"inclusion proof of leaf {index} does not lead to the root of tree size {size}")


def _trivial_consistency(size1: int, size2: int, root1: bytes, root2: bytes, path: Sequence[bytes]) -> bool:
    """True when nothing is left to prove (equal sizes, an empty old tree); raises when that fails."""
    if size1 > size2:
        raise ProofError(f"tree size went back from {size1} to {size2}")
    if size1 != size2 and size1 != 0:
        if not path:
            raise ProofError("empty consistency proof")
        return False
    if path:
        raise ProofError("a consistency proof between these sizes must be empty")
    if size1 == size2 and root1 != root2:
        raise ProofError(f"two different roots for tree size {size1}")
    return True


def _consistency_roots(size1: int, size2: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2's loop: the old and the new root the path leads to."""
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is deep")
    return fr, sr


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, path: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: the tree of ``size2`` extends the tree of ``size1`` unchanged."""
    if _trivial_consistency(size1, size2, root1, root2, path):
        return
    if size1 & (size1 - 1) == 0:  # an exact power of two: the old root is the first node
        path = [root1, *path]
    fr, sr = _consistency_roots(size1, size2, path)
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the old root (size {size1})")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the new root (size {size2})")


def tree_head_message(tree_size: int, timestamp_ms: int, root: bytes) -> bytes:
    """RFC 6962 §3.5 TreeHeadSignature: version v1, signature_type tree_hash, timestamp, size, root."""
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root


def verify_tree_head(head: dict, public_key_pem: str) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(public_key_pem.encode())
    message = tree_head_message(head["tree_size"], head["timestamp_ms"], bytes.fromhex(head["root_hash"]))
    try:
        key.verify(base64.b64decode(head["signature"]), message)
    except InvalidSignature:
        raise ProofError(f"the signature of tree head size {head['tree_size']} is not valid") from None


def _check_event(n: int, event: dict, head: dict) -> None:
    """One event: its rows hash to what its leaf lists, the leaf hashes as given, the path to the root."""
    leaf_data = event["leaf_data"]
    listed = {r["key"]: r["sha256"] for r in leaf_data.get("rows", [])}
    for row in event.get("rows", []):
        key = str(row["key"])
        if key not in listed:
            raise ProofError(f"event {n}: row {event['table']}:{key} is not listed in its leaf")
        if row_hash(row["values"]) != listed[key]:
            raise ProofError(f"event {n}: row {event['table']}:{key} does not hash to what its leaf recorded")
    computed = leaf_hash(canonical_json(leaf_data))
    if computed.hex() != event["leaf_hash"]:
        raise ProofError(f"event {n} (leaf {event['leaf_index']}): its data does not hash to its leaf hash")
    path = [bytes.fromhex(p) for p in event["inclusion_proof"]]
    try:
        verify_inclusion(
            event["leaf_index"], head["tree_size"], computed, path, bytes.fromhex(head["root_hash"])
        )
    except ProofError as exc:
        raise ProofError(f"event {n}: {exc}") from None


def verify_bundle(bundle: dict) -> list[str]:
    """Check a bundle; returns what was checked, raises ProofError naming the first thing that fails."""
    if bundle.get("format") != BUNDLE_FORMAT:
        raise ProofError(f"not an evidence bundle of format {BUNDLE_FORMAT}")
    head, key = bundle["tree_head"], bundle["public_key"]
    verify_tree_head(head, key)
    checked = [f"tree head size {head['tree_size']} signed by the key given"]
    for n, event in enumerate(bundle["events"]):
        _check_event(n, event, head)
    checked.append(f"{len(bundle['events'])} events included in that tree")
    for earlier in bundle.get("earlier_heads", []):
        verify_tree_head(earlier["tree_head"], key)
        old = earlier["tree_head"]
        verify_consistency(
            old["tree_size"],
            head["tree_size"],
            bytes.fromhex(old["root_hash"]),
            bytes.fromhex(head["root_hash"]),
            [bytes.fromhex(p) for p in earlier["consistency_proof"]],
        )
        checked.append(f"earlier head size {old['tree_size']} is a prefix of it (consistency proof)")
    return checked


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: verifier.py BUNDLE.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        bundle = json.load(f)
    try:
        for line in verify_bundle(bundle):
            print("ok:", line)
    except (ProofError, KeyError, TypeError, ValueError) as exc:
        print("FAILED:", exc)
        return 1
    print("bundle verified")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
