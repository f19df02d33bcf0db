"""NTAG 424 DNA SUN messages against NXP AN12196's published examples and against generated tags.

The example values are those printed in AN12196 ("NTAG 424 DNA and NTAG 424 DNA TagTamper features and
hints", NXP), §3.4: the SUN message with encrypted PICC data (page 12) and the one with encrypted
file data (page 18), both made with all-zero factory keys. The same values are the known-answer tests
of the open-source nfc-developer/sdm-backend (tests/test_libsdm.py, test_sun1 and test_sun2), where
we copied them from; the session key KSesSDMFileReadMAC is the intermediate value AN12196 prints for
the first example.
"""

from __future__ import annotations

import pytest

from field_app.verification import ntag424 as n

ZERO = bytes(16)


def test_an12196_encrypted_picc_data_example():
    picc = n.decrypt_picc_data(ZERO, bytes.fromhex("EF963FF7828658A599F3041510671E88"))
    assert picc.uid == bytes.fromhex("04DE5F1EACC040") and picc.read_counter == 61  # SDMReadCtr 3D0000
    session = n.session_key(ZERO, n.SV2_PREFIX, picc.uid, picc.read_counter)
    assert session == bytes.fromhex("3FB5F6E3A807A03D5E3570ACE393776F")
    message = n.verify_sun(picc, ZERO, bytes.fromhex("94EED9EE65337086"))
    assert message.read_counter == 61 and message.file_data is None


def test_an12196_encrypted_file_data_example():
    picc = n.decrypt_picc_data(ZERO, bytes.fromhex("FD91EC264309878BE6345CBE53BADF40"))
    assert picc.uid == bytes.fromhex("04958CAA5C5E80") and picc.read_counter == 8
    enc = bytes.fromhex("CEE9A53E3E463EF1F459635736738962")
    message = n.verify_sun(picc, ZERO, bytes.fromhex("ECC1E7F6C6C73BF6"), enc)
    assert message.file_data == b"xxxxxxxxxxxxxxxx"


def test_a_wrong_cmac_is_refused():
    picc = n.decrypt_picc_data(ZERO, bytes.fromhex("EF963FF7828658A599F3041510671E88"))
    with pytest.raises(n.SunError) as err:
        n.verify_sun(picc, ZERO, bytes.fromhex("94EED9EE65337087"))
    assert err.value.code == "tag_forged"


def test_picc_data_under_another_meta_key_is_noise():
    with pytest.raises(n.SunError) as err:
        n.decrypt_picc_data(bytes(range(16)), bytes.fromhex("EF963FF7828658A599F3041510671E88"))
    assert err.value.code == "tag_forged"


def test_generated_taps_verify_and_keys_are_diversified_per_tag():
    master = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    uid, other = bytes.fromhex("04A1B2C3D4E5F6"), bytes.fromhex("04A1B2C3D4E5F7")
    key = n.diversify_key(master, b"SDMFileRead", uid)
    assert key != n.diversify_key(master, b"SDMFileRead", other) and len(key) == 16
    meta = n.meta_read_key(master)
    data = b"room 302, bed 1\x00"
    enc = n.encrypt_file_data(key, uid, 7, data)
    picc = n.decrypt_picc_data(meta, n.encrypt_picc_data(meta, uid, 7))
    assert n.verify_sun(picc, key, n.sdm_mac(key, uid, 7, enc), enc).file_data == data
    with pytest.raises(n.SunError):  # another tag's key cannot make this tag's MAC
        n.verify_sun(picc, key, n.sdm_mac(n.diversify_key(master, b"SDMFileRead", other), uid, 7))
    with pytest.raises(n.SunError):  # the MAC binds the counter
        n.verify_sun(picc, key, n.sdm_mac(key, uid, 8))
