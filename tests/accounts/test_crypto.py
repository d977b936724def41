"""The data cipher: stored formats, previous keys and the errors that name the missing key."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.accounts.crypto import FORMAT_VERSION, DataCipher, DecryptionFailed, key_id


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def version_1_value(key_b64: str, plaintext: bytes, context: str) -> bytes:
    """Encrypt as the first stored format did: version byte 1, nonce, ciphertext, no key id."""
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(base64.b64decode(key_b64)).encrypt(nonce, plaintext, context.encode())


def test_encrypt_names_current_key():
    key = new_key()
    cipher = DataCipher(key)

    stored = cipher.encrypt(b"FR7630006000011234567890189", "bank-details:c:1")

    assert stored[:1] == FORMAT_VERSION
    assert stored[1:5] == key_id(base64.b64decode(key))
    assert cipher.decrypt(stored, "bank-details:c:1") == b"FR7630006000011234567890189"
    assert cipher.uses_current_key(stored)


def test_previous_key_still_decrypts():
    old, new = new_key(), new_key()
    stored = DataCipher(old).encrypt(b"secret", "totp:1")
    rotated = DataCipher(new, [old])

    assert rotated.decrypt(stored, "totp:1") == b"secret"
    assert not rotated.uses_current_key(stored)
    assert rotated.uses_current_key(rotated.encrypt(b"secret", "totp:1"))


def test_version_1_decrypts_with_either_key():
    old, new = new_key(), new_key()
    stored = version_1_value(old, b"secret", "totp:1")

    assert DataCipher(old).decrypt(stored, "totp:1") == b"secret"
    assert DataCipher(new, [old]).decrypt(stored, "totp:1") == b"secret"
    assert not DataCipher(old).uses_current_key(stored)


def test_unknown_key_id_is_named():
    stored = DataCipher(new_key()).encrypt(b"secret", "totp:1")
    stored_id = stored[1:5].hex()

    with pytest.raises(DecryptionFailed) as raised:
        DataCipher(new_key()).decrypt(stored, "totp:1")

    assert stored_id in str(raised.value)
    assert "MF_DATA_ENCRYPTION_PREVIOUS_KEYS" in str(raised.value)


def test_version_1_with_unknown_key_fails():
    stored = version_1_value(new_key(), b"secret", "totp:1")

    with pytest.raises(DecryptionFailed, match="MF_DATA_ENCRYPTION_PREVIOUS_KEYS"):
        DataCipher(new_key(), [new_key()]).decrypt(stored, "totp:1")


@pytest.mark.parametrize("change", ["flip a ciphertext bit", "other row"])
def test_tampered_value_fails(change):
    cipher = DataCipher(new_key())
    stored = cipher.encrypt(b"secret", "totp:1")
    context = "totp:1"
    if change == "flip a ciphertext bit":
        stored = stored[:-1] + bytes([stored[-1] ^ 1])
    else:
        context = "totp:2"

    with pytest.raises(DecryptionFailed, match="altered or copied"):
        cipher.decrypt(stored, context)


def test_unknown_format_version_fails():
    with pytest.raises(DecryptionFailed, match="unknown format version"):
        DataCipher(new_key()).decrypt(b"\x07" + bytes(40), "totp:1")


def test_current_key_among_previous_is_ignored():
    key = new_key()
    cipher = DataCipher(key, [key])

    assert cipher.decrypt(cipher.encrypt(b"x", "c"), "c") == b"x"
