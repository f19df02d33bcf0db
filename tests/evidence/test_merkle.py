"""The Merkle maths against RFC 6962's recursive definitions and Certificate Transparency's vectors.

Vectors: transparency-dev/merkle (the successor of google/certificate-transparency's Go code),
``testonly/constants.go`` (leaf inputs, node and root hashes for trees of 0-8 leaves) and
``proof/verify_test.go`` (inclusion and consistency proofs); the corruption probes are theirs too.
"""

from __future__ import annotations

import hashlib

import pytest

from field_app.evidence import merkle
from field_app.evidence.verifier import (
    ProofError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, proof): verify_test.go's inclusionProofs (their leaf numbers are 1-based).
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written as the RFC defines it (the reference the log is checked against)."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = merkle._split(len(hashes))
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def path(m: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]), recursively."""
    n = len(hashes)
    if n == 1:
        return []
    k = merkle._split(n)
    if m < k:
        return path(m, hashes[:k]) + [mth(hashes[k:])]
    return path(m - k, hashes[k:]) + [mth(hashes[:k])]


def subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[n], b), recursively."""
    n = len(hashes)
    if m == n:
        return [] if whole else [mth(hashes)]
    k = merkle._split(n)
    if m <= k:
        return subproof(m, hashes[:k], whole) + [mth(hashes[k:])]
    return subproof(m - k, hashes[k:], False) + [mth(hashes[:k])]


class Store:
    """An in-memory log: leaf hashes and the perfect subtrees ``merkle.append`` created."""

    def __init__(self) -> None:
        self.nodes: dict = {}
        self.size = 0

    def add(self, leaves: list[bytes]) -> None:
        frontier = {n: self.nodes[n] for n in merkle.perfect_nodes(0, self.size)}
        for i, h in enumerate(leaves):
            self.nodes[(0, self.size + i)] = h
        self.nodes.update(merkle.append(self.size, frontier, leaves))
        self.size += len(leaves)

    def fetch(self, keys):
        return {k: self.nodes[k] for k in keys if k in self.nodes}


def ct_store() -> Store:
    store = Store()
    store.add([leaf_hash(x) for x in LEAVES])
    return store


def test_roots_of_every_prefix_match_the_published_vectors():
    hashes = [leaf_hash(x) for x in LEAVES]
    for size, expected in enumerate(ROOTS):
        store = Store()
        store.add(hashes[:size])
        assert merkle.root(size, store.fetch).hex() == expected == mth(hashes[:size]).hex()


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(index, size, proof):
    store = Store()
    store.add([leaf_hash(x) for x in LEAVES[:size]])
    got = merkle.inclusion_proof(index, size, store.fetch)
    assert [p.hex() for p in got] == proof
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), got, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(size1, size2, proof):
    store = Store()
    store.add([leaf_hash(x) for x in LEAVES[:size2]])
    got = merkle.consistency_proof(size1, size2, store.fetch)
    assert [p.hex() for p in got] == proof
    verify_consistency(size1, size2, bytes.fromhex(ROOTS[size1]), bytes.fromhex(ROOTS[size2]), got)


def test_every_proof_of_trees_up_to_70_leaves_equals_the_rfc_recursion():
    hashes = [leaf_hash(str(i).encode()) for i in range(70)]
    store = Store()
    for i in range(0, 70, 7):  # appended in uneven batches
        store.add(hashes[i : i + 7])
    for n in range(1, 71):
        root = mth(hashes[:n])
        assert merkle.root(n, store.fetch) == root
        for m in range(n):
            proof = merkle.inclusion_proof(m, n, store.fetch)
            assert proof == path(m, hashes[:n])
            verify_inclusion(m, n, hashes[m], proof, root)
        for m in range(1, n):
            proof = merkle.consistency_proof(m, n, store.fetch)
            assert proof == subproof(m, hashes[:n], True)
            verify_consistency(m, n, mth(hashes[:m]), root, proof)


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 8]) + h[1:]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_proofs_fail(index, size, proof):
    """verify_test.go's corruptInclusionProof probes: each must fail."""
    proof = [bytes.fromhex(p) for p in proof]
    root, leaf = bytes.fromhex(ROOTS[size]), leaf_hash(LEAVES[index])
    probes = [
        (index - 1, size, leaf, proof, root),
        (index + 1, size, leaf, proof, root),
        (index ^ 2, size, leaf, proof, root),
        (index, size * 2, leaf, proof, root),
        (index, size // 2, leaf, proof, root),
        (index, size, b"WrongLeaf", proof, root),
        (index, size, leaf, proof, merkle.EMPTY_ROOT),
        (index, size, leaf, proof + [b""], root),
        (index, size, leaf, proof + [root], root),
        (index, size, leaf, [b"", *proof], root),
        (index, size, leaf, [root, *proof], root),
        (index, size, leaf, proof[:-1], root),
        *[
            (index, size, leaf, proof[:i] + [_flip(proof[i])] + proof[i + 1 :], root)
            for i in range(len(proof))
        ],
    ]
    for probe in probes:
        with pytest.raises(ProofError):
            verify_inclusion(*probe)


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_corrupted_consistency_proofs_fail(size1, size2, proof):
    proof = [bytes.fromhex(p) for p in proof]
    r1, r2 = bytes.fromhex(ROOTS[size1]), bytes.fromhex(ROOTS[size2])
    probes = [
        (size1 - 1, size2, r1, r2, proof),
        (size1 + 1, size2, r1, r2, proof),
        (size1 ^ 2, size2, r1, r2, proof),
        (size1, size2 * 2, r1, r2, proof),
        (size1, size2 // 2, r1, r2, proof),
        (size1, size2, b"WrongRoot", r2, proof),
        (size1, size2, r1, b"WrongRoot", proof),
        (size1, size2, r2, r1, proof),
        (size1, size2, r1, r2, []),
        (size1, size2, r1, r2, proof + [b""]),
        (size1, size2, r1, r2, proof + [r1]),
        (size1, size2, r1, r2, [b"", *proof]),
        (size1, size2, r1, r2, [proof[0], *proof]),
        (size1, size2, r1, r2, proof[:-1]),
        *[(size1, size2, r1, r2, proof[:i] + [_flip(proof[i])] + proof[i + 1 :]) for i in range(len(proof))],
    ]
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)
