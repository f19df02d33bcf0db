"""RFC 6962 Merkle tree maths on perfect subtrees: roots, inclusion and consistency proofs, appends.

A perfect subtree is ``(level, index)``: the 2**level leaves from ``index * 2**level``. The log stores
every perfect subtree's hash as it completes (level 0 = the leaf hashes), so any proof is O(log n)
stored hashes, whatever the tree's size. The functions here take a ``fetch(keys) -> {key: hash}``
callable and never touch the database themselves (tested against the RFC's recursive definitions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from field_app.evidence.verifier import node_hash

Node = tuple[int, int]  #: (level, index)
Fetch = Callable[[set[Node]], dict[Node, bytes]]
EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up leaves [start, end), left to right (start aligned as in RFC trees)."""
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 6962 §2.1.1 PATH(m, D[n]) as leaf ranges, bottom first."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges, bottom first."""
    if size1 <= 0 or size1 >= size2:
        return []
    ranges: list[tuple[int, int]] = []
    start, end, m, whole = 0, size2, size1, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        ranges.append((start, end))
    return ranges[::-1]


def fold(hashes: list[bytes]) -> bytes:
    """The root over consecutive perfect subtrees (left to right): RFC trees lean left."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def hash_ranges(ranges: Iterable[tuple[int, int]], fetch: Fetch) -> list[bytes]:
    """The hash of each leaf range, with one ``fetch`` of every stored subtree they need."""
    ranges = list(ranges)
    parts = [perfect_nodes(s, e) for s, e in ranges]
    stored = fetch({n for p in parts for n in p})
    missing = {n for p in parts for n in p} - stored.keys()
    if missing:
        raise LookupError(f"the log lacks subtree hashes {sorted(missing)[:5]}")
    return [fold([stored[n] for n in p]) for p in parts]


def root(size: int, fetch: Fetch) -> bytes:
    return EMPTY_ROOT if size == 0 else hash_ranges([(0, size)], fetch)[0]


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return hash_ranges(inclusion_ranges(index, size), fetch)


def consistency_proof(size1: int, size2: int, fetch: Fetch) -> list[bytes]:
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to {size2}")
    return hash_ranges(consistency_ranges(size1, size2), fetch)


def append(size: int, frontier: dict[Node, bytes], leaves: list[bytes]) -> dict[Node, bytes]:
    """The perfect subtrees (level ≥ 1) completed by appending ``leaves`` to a tree of ``size``.

    ``frontier`` holds the hashes of ``perfect_nodes(0, size)``: the only old nodes a new one can need.
    """
    stack = [(n, frontier[n]) for n in perfect_nodes(0, size)]
    created: dict[Node, bytes] = {}
    for offset, h in enumerate(leaves):
        node = (0, size + offset)
        while stack and stack[-1][0][0] == node[0]:
            (level, index), left = stack.pop()
            h = node_hash(left, h)
            node = (level + 1, index >> 1)
            created[node] = h
        stack.append((node, h))
    return created
