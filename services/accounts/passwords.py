"""Password hashing with argon2id.

Parameters follow the OWASP Password Storage Cheat Sheet (2024 revision),
whose minimum for argon2id is 19 MiB of memory, 2 iterations and 1 degree
of parallelism. Hashes made with other parameters are replaced at the next
successful login (see ``needs_rehash``).

Every function hashes or checks the NFKC form of the password
(``normalize_password``), the form the password policy measures, so that
look-alike forms of the same characters log in alike.

Hashing takes tens of milliseconds of CPU, so the async helpers run it in a
worker thread to keep the event loop free.
"""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.accounts.validation import normalize_password

ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_ITERATIONS = 2
ARGON2_PARALLELISM = 1
ARGON2_HASH_BYTES = 32
ARGON2_SALT_BYTES = 16

# Longer passwords are rejected before hashing so that a huge body cannot tie up the CPU.
MAX_PASSWORD_LENGTH = 1024

HASHER = PasswordHasher(
    time_cost=ARGON2_ITERATIONS,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=ARGON2_HASH_BYTES,
    salt_len=ARGON2_SALT_BYTES,
    type=Type.ID,
)


def hash_password_now(password: str) -> str:
    """Hash ``password`` in the calling thread (for scripts and benchmarks)."""
    return HASHER.hash(normalize_password(password))


async def hash_password(password: str) -> str:
    """Hash ``password`` with a fresh salt, in a worker thread."""
    return await asyncio.to_thread(HASHER.hash, normalize_password(password))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, normalize_password(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``.

    Without a hash (unknown login, invited user without a password) the
    password is still checked, against a dummy hash, so that the response takes
    about as long as for a real user and timing does not reveal which logins
    exist.
    """
    if password_hash is None:
        await asyncio.to_thread(_verify, _dummy_hash(), password)
        return False
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Return whether ``password_hash`` was made with other parameters than ``HASHER``'s."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("not a password of anyone: only makes unknown logins cost the same")
