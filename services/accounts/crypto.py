"""Encryption at rest of IBANs and TOTP secrets with AES-256-GCM, with key rotation.

Stored forms, told apart by their first byte:

- version 1: the version byte, a 12-byte random nonce, then the ciphertext
  with its 16-byte tag. It does not say which key encrypted it.
- version 2: the version byte, the 4-byte id of the key (see `key_id`), the
  nonce, then the ciphertext with its tag. New values are written in this
  format.

Each value is bound to its row by associated data (for example
``bank-details:pressimmo:C00123``), so a ciphertext copied to another row
fails to decrypt. The cipher encrypts with the current key
(MF_DATA_ENCRYPTION_KEY) and decrypts with it or with one of the previous
keys (MF_DATA_ENCRYPTION_PREVIOUS_KEYS). `services.accounts.reencrypt`
rewrites every stored value with the current key, after which the previous
keys can be removed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.errors import DomainError

FORMAT_VERSION_1 = b"\x01"
FORMAT_VERSION = b"\x02"
KEY_ID_BYTES = 4
NONCE_BYTES = 12


def key_id(key: bytes) -> bytes:
    """Return the 4-byte id that version-2 values store to name the key that encrypted them.

    It is a prefix of a SHA-256 of the key. Four bytes of a hash of 32 random
    bytes tell nothing useful about the key.
    """
    return hashlib.sha256(b"mesfactures data key id\x00" + key).digest()[:KEY_ID_BYTES]


class EncryptionUnavailable(DomainError):
    """MF_DATA_ENCRYPTION_KEY is not set, so encrypted data can be neither read nor written."""

    status = 503
    code = "encryption_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Les coordonnées bancaires sont indisponibles pour le moment. Réessayez plus tard."
        )


class DecryptionFailed(Exception):
    """A stored value does not decrypt with any configured key (a missing key, or tampered data)."""


class DataCipher:
    """Encrypts short values with the current AES-256-GCM key and decrypts them with it or a previous key."""

    def __init__(self, key_b64: str, previous_keys_b64: Sequence[str] = ()) -> None:
        current = base64.b64decode(key_b64)
        self._current_id = key_id(current)
        self._keys: dict[bytes, AESGCM] = {self._current_id: AESGCM(current)}
        for previous_b64 in previous_keys_b64:
            previous = base64.b64decode(previous_b64)
            previous_id = key_id(previous)
            if previous_id in self._keys:
                if previous == current:
                    continue  # the current key listed again among the previous ones
                raise ValueError(f"two data encryption keys share the id {previous_id.hex()}: generate another key")
            self._keys[previous_id] = AESGCM(previous)

    @property
    def current_key_id(self) -> str:
        """Hex id of the current key, as messages and the re-encryption report show it."""
        return self._current_id.hex()

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        aead = self._keys[self._current_id]
        return FORMAT_VERSION + self._current_id + nonce + aead.encrypt(nonce, plaintext, context.encode())

    def decrypt(self, stored: bytes, context: str) -> bytes:
        version = stored[:1]
        if version == FORMAT_VERSION:
            return self._decrypt_version_2(stored, context)
        if version == FORMAT_VERSION_1:
            return self._decrypt_version_1(stored, context)
        raise DecryptionFailed(f"value for {context} has the unknown format version {version!r}")

    def uses_current_key(self, stored: bytes) -> bool:
        """Return whether `stored` is a version-2 value of the current key, which re-encryption leaves alone."""
        return stored[:1] == FORMAT_VERSION and stored[1 : 1 + KEY_ID_BYTES] == self._current_id

    def _decrypt_version_2(self, stored: bytes, context: str) -> bytes:
        stored_id = stored[1 : 1 + KEY_ID_BYTES]
        aead = self._keys.get(stored_id)
        if aead is None:
            raise DecryptionFailed(
                f"value for {context} was encrypted with key {stored_id.hex()}, which is neither"
                " MF_DATA_ENCRYPTION_KEY nor one of MF_DATA_ENCRYPTION_PREVIOUS_KEYS:"
                " add that key to MF_DATA_ENCRYPTION_PREVIOUS_KEYS"
            )
        nonce_end = 1 + KEY_ID_BYTES + NONCE_BYTES
        try:
            return aead.decrypt(stored[1 + KEY_ID_BYTES : nonce_end], stored[nonce_end:], context.encode())
        except InvalidTag:
            raise DecryptionFailed(
                f"value for {context} does not decrypt with key {stored_id.hex()}: the value was altered"
                " or copied from another row"
            ) from None

    def _decrypt_version_1(self, stored: bytes, context: str) -> bytes:
        # Version 1 does not name its key, so each key is tried, the current one first.
        nonce = stored[1 : 1 + NONCE_BYTES]
        for aead in self._keys.values():
            try:
                return aead.decrypt(nonce, stored[1 + NONCE_BYTES :], context.encode())
            except InvalidTag:
                continue
        raise DecryptionFailed(
            f"value for {context} does not decrypt with MF_DATA_ENCRYPTION_KEY or any of"
            " MF_DATA_ENCRYPTION_PREVIOUS_KEYS: add the key that encrypted it to MF_DATA_ENCRYPTION_PREVIOUS_KEYS"
        )


def cipher_or_unavailable(cipher: DataCipher | None) -> DataCipher:
    """Return ``cipher``, or raise EncryptionUnavailable when no key is configured."""
    if cipher is None:
        raise EncryptionUnavailable()
    return cipher
