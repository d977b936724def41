"""Encryption at rest of IBANs and TOTP secrets with AES-256-GCM.

Stored form: one version byte, a 12-byte random nonce, then the ciphertext
with its 16-byte tag. The version byte leaves room for a key rotation. Each
value is bound to its row by associated data (for example
``bank-details:pressimmo:C00123``), so a ciphertext copied to another row
fails to decrypt.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.errors import DomainError

FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12


class EncryptionUnavailable(DomainError):
    """MF_DATA_ENCRYPTION_KEY is not set, so encrypted data can be neither read nor written."""

    status = 503
    code = "encryption_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Les coordonnées bancaires sont indisponibles pour le moment. Réessayez plus tard."
        )


class DecryptionFailed(Exception):
    """A stored value does not decrypt with the configured key (wrong key, or tampered data)."""


class DataCipher:
    """Encrypts and decrypts short values with one AES-256-GCM key."""

    def __init__(self, key_b64: str) -> None:
        self._aead = AESGCM(base64.b64decode(key_b64))

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_VERSION + nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def decrypt(self, stored: bytes, context: str) -> bytes:
        if stored[:1] != FORMAT_VERSION:
            raise DecryptionFailed(f"unknown format version {stored[:1]!r}")
        nonce = stored[1 : 1 + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, stored[1 + NONCE_BYTES :], context.encode())
        except InvalidTag:
            raise DecryptionFailed(f"value for {context} does not decrypt with MF_DATA_ENCRYPTION_KEY") from None


def cipher_or_unavailable(cipher: DataCipher | None) -> DataCipher:
    """Return ``cipher``, or raise EncryptionUnavailable when no key is configured."""
    if cipher is None:
        raise EncryptionUnavailable()
    return cipher
