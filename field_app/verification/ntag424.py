"""NTAG 424 DNA secure unique NFC messages (SUN, "Secure Dynamic Messaging"), as NXP's AN12196 gives them.

A bedside tag registered to a client's home mirrors into its NDEF URL, at every tap:

- ``picc_data``: AES-128-CBC (zero IV) under K_SDMMetaRead of PICCDataTag (0xC7: UID and read counter
  mirrored, 7-byte UID) || UID (7) || SDMReadCtr (3, least significant byte first) || random padding;
- ``enc`` (optional): the encrypted part of the file (SDMENCFileData), under a session key;
- ``cmac``: the 8 odd-indexed bytes (1, 3, ..., 15) of an AES-CMAC under the session MAC key
  KSesSDMFileReadMAC = CMAC(K_SDMFileRead, SV2), SV2 = 3CC3 0001 0080 || UID || SDMReadCtr, over the
  URL text between the MAC input offset and the MAC (empty, or ``<ENC hex>&cmac=`` when file data is
  mirrored, as in AN12196's examples).

Only the tag knows K_SDMFileRead, so a valid MAC proves a real tap of that tag; the counter grows at
every read, so a copied URL (a photo of it, a replayed request) carries a counter already seen.

Keys: K_SDMMetaRead is one per installation (the server must decrypt PICC data to learn which tag it
is); K_SDMFileRead is diversified per tag from the master key (AN10922-style: AES-CMAC over 0x01 ||
label || UID), so one tag's key opened by an attacker does not forge another's. Pure: bytes in, values
out, on ``cryptography``'s AES and CMAC.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

PICC_TAG_UID_CTR = 0xC7  #: PICCDataTag: UID mirrored (0x80), counter mirrored (0x40), UID length 7
UID_LENGTH = 7
MAC_LENGTH = 8
SV1_PREFIX = bytes.fromhex("C33C00010080")  #: session ENC key derivation (file data)
SV2_PREFIX = bytes.fromhex("3CC300010080")  #: session MAC key derivation
KEY_LENGTH = 16


class SunError(Exception):
    """A tap that does not verify; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class PiccData:
    """What the decrypted PICC data says: which tag, and its read counter at this tap."""

    uid: bytes
    read_counter: int


@dataclass(frozen=True)
class SunMessage:
    """A verified tap."""

    uid: bytes
    read_counter: int
    file_data: bytes | None = None


def _aes_cbc(key: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    return op.update(data) + op.finalize()


def _aes_ecb_block(key: bytes, block: bytes) -> bytes:
    op = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - one block, as the note says
    return op.update(block) + op.finalize()


def aes_cmac(key: bytes, data: bytes) -> bytes:
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def truncate_mac(full: bytes) -> bytes:
    """The 8 bytes the tag sends: the odd-indexed bytes of the 16-byte CMAC (AN12196 §3.4)."""
    return full[1::2]


def _counter_bytes(counter: int) -> bytes:
    if not 0 <= counter < 1 << 24:
        raise ValueError("SDMReadCtr is a 3-byte counter")
    return counter.to_bytes(3, "little")


def decrypt_picc_data(meta_read_key: bytes, picc_enc: bytes) -> PiccData:
    """Decrypt the mirrored PICC data (AES-128-CBC, zero IV, K_SDMMetaRead)."""
    if len(picc_enc) != 16:
        raise SunError("tag_data_invalid", "picc_data must be 16 bytes (32 hex digits) for AES tags.")
    plain = _aes_cbc(meta_read_key, bytes(16), picc_enc, encrypt=False)
    if plain[0] != PICC_TAG_UID_CTR:
        # a message not made with this installation's meta key decrypts to noise
        raise SunError("tag_forged", "The tag's data does not decrypt with this installation's key.")
    uid, counter = plain[1 : 1 + UID_LENGTH], int.from_bytes(plain[8:11], "little")
    return PiccData(uid, counter)


def session_key(file_read_key: bytes, prefix: bytes, uid: bytes, counter: int) -> bytes:
    """KSesSDMFileRead{ENC,MAC} = CMAC(K_SDMFileRead, prefix || UID || SDMReadCtr) (16 bytes, no padding)."""
    return aes_cmac(file_read_key, prefix + uid + _counter_bytes(counter))


def mac_input(enc_file_data: bytes | None, mac_param: str = "cmac") -> bytes:
    """The URL text the tag MACs: empty, or the ENC hex and the MAC parameter's name (AN12196 §3.4.4)."""
    if not enc_file_data:
        return b""
    return enc_file_data.hex().upper().encode("ascii") + f"&{mac_param}=".encode("ascii")


def sdm_mac(file_read_key: bytes, uid: bytes, counter: int, enc_file_data: bytes | None = None) -> bytes:
    """The truncated SDMMAC the tag computes for this UID, counter and file data."""
    key = session_key(file_read_key, SV2_PREFIX, uid, counter)
    return truncate_mac(aes_cmac(key, mac_input(enc_file_data)))


def decrypt_file_data(file_read_key: bytes, uid: bytes, counter: int, enc: bytes) -> bytes:
    """SDMENCFileData: AES-CBC under KSesSDMFileReadENC, IV = E(KSes, SDMReadCtr || 0^13)."""
    if len(enc) % 16:
        raise SunError("tag_data_invalid", "enc must be a whole number of 16-byte blocks.")
    key = session_key(file_read_key, SV1_PREFIX, uid, counter)
    iv = _aes_ecb_block(key, _counter_bytes(counter) + bytes(13))
    return _aes_cbc(key, iv, enc, encrypt=False)


def verify_sun(
    picc: PiccData, file_read_key: bytes, cmac: bytes, enc_file_data: bytes | None = None
) -> SunMessage:
    """Check the truncated CMAC in constant time; decrypt the file data when there is some."""
    expected = sdm_mac(file_read_key, picc.uid, picc.read_counter, enc_file_data)
    if len(cmac) != MAC_LENGTH or not hmac.compare_digest(expected, cmac):
        raise SunError("tag_forged", "The tag's CMAC does not verify: this is not a genuine tap.")
    data = (
        decrypt_file_data(file_read_key, picc.uid, picc.read_counter, enc_file_data)
        if enc_file_data
        else None
    )
    return SunMessage(picc.uid, picc.read_counter, data)


def diversify_key(master_key: bytes, label: bytes, uid: bytes) -> bytes:
    """A per-tag key from the master key (AN10922-style CMAC diversification: 0x01 || label || UID)."""
    return aes_cmac(master_key, b"\x01" + label + uid)


def meta_read_key(master_key: bytes) -> bytes:
    """The installation's K_SDMMetaRead (not per tag: it is needed before the tag is known)."""
    return aes_cmac(master_key, b"\x01SDMMetaRead")


# --- What a tag does, for tests and the demo: build the URL parameters of one tap. ---


def encrypt_picc_data(meta_key: bytes, uid: bytes, counter: int, padding: bytes = bytes(5)) -> bytes:
    """PICC data as the tag encrypts it (the padding is random on a real tag)."""
    plain = bytes([PICC_TAG_UID_CTR]) + uid + _counter_bytes(counter) + padding
    return _aes_cbc(meta_key, bytes(16), plain, encrypt=True)


def encrypt_file_data(file_read_key: bytes, uid: bytes, counter: int, data: bytes) -> bytes:
    key = session_key(file_read_key, SV1_PREFIX, uid, counter)
    iv = _aes_ecb_block(key, _counter_bytes(counter) + bytes(13))
    return _aes_cbc(key, iv, data, encrypt=True)
