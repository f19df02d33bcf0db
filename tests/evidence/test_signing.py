"""The log's Ed25519 key: made once (mode 0600), the same key afterwards, heads verify with its public half."""

from __future__ import annotations

from field_app.evidence import signing
from field_app.evidence.verifier import ProofError, tree_head_message, verify_tree_head


def test_the_key_is_made_once_private_and_kept(tmp_path):
    path = tmp_path / "keys" / "evidence.pem"
    first = signing.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert signing.key_id(signing.load_or_create(path)) == signing.key_id(first)
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_a_head_signed_with_the_key_verifies_and_another_key_does_not(tmp_path):
    import base64

    key = signing.load_or_create(tmp_path / "a.pem")
    other = signing.load_or_create(tmp_path / "b.pem")
    root = bytes(range(32))
    head = {"tree_size": 7, "timestamp_ms": 1_764_806_400_000, "root_hash": root.hex(),
            "signature": base64.b64encode(key.sign(tree_head_message(7, 1_764_806_400_000, root))).decode()}  # fmt: skip
    verify_tree_head(head, signing.public_pem(key))
    try:
        verify_tree_head(head, signing.public_pem(other))
    except ProofError as exc:
        assert "not valid" in str(exc)
    else:
        raise AssertionError("a head verified with another key")
