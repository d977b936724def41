"""Re-encryption of every stored secret with a new data key, on a database of its own."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from services.accounts import reencrypt
from services.accounts.bank_changes import details_context, request_context
from services.accounts.contacts import identity_context
from services.accounts.crypto import DataCipher
from services.accounts.mail import mail_context
from services.accounts.reencrypt import ReencryptionFailed, reencrypt_all
from services.accounts.totp import secret_context
from services.registry import service_definition
from shared.db import migrate, open_pool
from tests.accounts.support import AgencyUser, make_agency_user
from tests.accounts.test_crypto import new_key, version_1_value

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def scratch_accounts_dsn(engines) -> AsyncIterator[str]:
    """An accounts database of this test only, because the shared one contains values under other tests' keys."""
    name = f"accounts_rotation_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(engines.postgres.admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = engines.postgres.dsn("postgres", engines.secrets.postgres_password, name)
    await migrate(dsn, service_definition("accounts").migration_folders)
    yield dsn
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
async def scratch_pool(scratch_accounts_dsn) -> AsyncIterator[asyncpg.Pool]:
    async with open_pool(scratch_accounts_dsn, max_size=2) as pool:
        yield pool


async def store_secrets(pool: asyncpg.Pool, user: AgencyUser, key: str, *, requests: int = 3) -> dict[str, bytes]:
    """Store one value of each encrypted column under `key`, the creditor's IBAN in the first format; return the plaintexts.

    The queued message is a stand-in for a whole e-mail, which the cipher treats as any other bytes.
    """
    cipher = DataCipher(key)
    user_id = uuid.UUID(user.user_id)
    plain = {
        "totp": b"JBSWY3DPEHPK3PXP",
        "identity": b"FR7630006000011234567890189",
        "details": b'{"iban": "FR7610107001011234567890129"}',
        "mail": b"Subject: Invitation\r\n\r\nhttps://portail.example/invitation/token\r\n",
    }
    mail_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO outgoing_mail (id, sender, recipients, subject, message_encrypted)
           VALUES ($1, 'no-reply@mesfactures.example', '{agence@example.org}', 'Invitation', $2)""",
        mail_id,
        cipher.encrypt(plain["mail"], mail_context(mail_id)),
    )
    await pool.execute(
        "UPDATE users SET totp_secret_encrypted = $2 WHERE id = $1",
        user_id,
        cipher.encrypt(plain["totp"], secret_context(user_id)),
    )
    await pool.execute(
        """INSERT INTO creditor_identities (creditor_id, legal_name, siren, address_line1, postal_code, city,
                                            country, iban_encrypted, iban_masked)
           VALUES ($1, 'Créancier', '732829320', '1 rue de la Paix', '75002', 'Paris', 'FR', $2, '•••• 0189')""",
        user.creditor,
        version_1_value(key, plain["identity"], identity_context(user.creditor)),
    )
    await pool.execute(
        """INSERT INTO bank_details (creditor_id, customer_account, details_encrypted, iban_masked)
           VALUES ($1, $2, $3, '•••• 0129')""",
        user.creditor,
        user.customer_account,
        cipher.encrypt(plain["details"], details_context(user.creditor, user.customer_account)),
    )
    for index in range(requests):
        request_id = uuid.uuid4()
        plain[f"request {request_id}"] = f'{{"iban": "request {index}"}}'.encode()
        await pool.execute(
            """INSERT INTO bank_change_requests (id, creditor_id, customer_account, agency_id, requested_by,
                                                 details_encrypted, iban_masked, status)
               VALUES ($1, $2, $3, $4::uuid, $5, $6, '•••• 0129', 'rejected')""",
            request_id,
            user.creditor,
            user.customer_account,
            user.agency_id,
            user_id,
            cipher.encrypt(plain[f"request {request_id}"], request_context(request_id)),
        )
    return plain


async def read_secrets(pool: asyncpg.Pool, user: AgencyUser, cipher: DataCipher) -> dict[str, bytes]:
    """Decrypt every stored value with `cipher`, keyed as `store_secrets` returns them."""
    user_id = uuid.UUID(user.user_id)
    values = {
        "totp": cipher.decrypt(
            await pool.fetchval("SELECT totp_secret_encrypted FROM users WHERE id = $1", user_id),
            secret_context(user_id),
        ),
        "identity": cipher.decrypt(
            await pool.fetchval("SELECT iban_encrypted FROM creditor_identities WHERE creditor_id = $1", user.creditor),
            identity_context(user.creditor),
        ),
        "details": cipher.decrypt(
            await pool.fetchval("SELECT details_encrypted FROM bank_details WHERE creditor_id = $1", user.creditor),
            details_context(user.creditor, user.customer_account),
        ),
    }
    mail = await pool.fetchrow("SELECT id, message_encrypted FROM outgoing_mail")
    values["mail"] = cipher.decrypt(mail["message_encrypted"], mail_context(mail["id"]))
    for row in await pool.fetch("SELECT id, details_encrypted FROM bank_change_requests"):
        values[f"request {row['id']}"] = cipher.decrypt(row["details_encrypted"], request_context(row["id"]))
    return values


async def test_reencrypt_moves_every_value_to_new_key(scratch_pool, monkeypatch):
    # Batches of two rows make the three requests span two batches.
    monkeypatch.setattr(reencrypt, "BATCH_ROWS", 2)
    user = await make_agency_user(scratch_pool)
    old, new = new_key(), new_key()
    plain = await store_secrets(scratch_pool, user, old)

    reports = await reencrypt_all(scratch_pool, DataCipher(new, [old]))
    again = await reencrypt_all(scratch_pool, DataCipher(new, [old]))

    counts = {report.table: (report.values, report.reencrypted) for report in reports}
    assert counts == {
        "users": (1, 1),
        "creditor_identities": (1, 1),
        "bank_details": (1, 1),
        "bank_change_requests": (3, 3),
        "outgoing_mail": (1, 1),
    }
    assert await read_secrets(scratch_pool, user, DataCipher(new)) == plain
    assert sum(report.reencrypted for report in again) == 0


async def test_unknown_key_stops_with_row_named(scratch_pool):
    user = await make_agency_user(scratch_pool)
    old, new = new_key(), new_key()
    await store_secrets(scratch_pool, user, old, requests=1)
    before = await scratch_pool.fetchval("SELECT totp_secret_encrypted FROM users WHERE id = $1::uuid", user.user_id)

    with pytest.raises(ReencryptionFailed) as raised:
        await reencrypt_all(scratch_pool, DataCipher(new))

    assert f"users.totp_secret_encrypted of the row with id {user.user_id}" in str(raised.value)
    assert "MF_DATA_ENCRYPTION_PREVIOUS_KEYS" in str(raised.value)
    after = await scratch_pool.fetchval("SELECT totp_secret_encrypted FROM users WHERE id = $1::uuid", user.user_id)
    assert after == before


def run_command(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.accounts.reencrypt"],
        cwd=REPO_ROOT,
        env={**os.environ, "MF_LOG_FORMAT": "json", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_command_reports_and_exits_zero(scratch_pool, scratch_accounts_dsn):
    user = await make_agency_user(scratch_pool)
    old, new = new_key(), new_key()
    await store_secrets(scratch_pool, user, old, requests=1)

    completed = run_command(
        {
            "MF_DATABASE_URL": scratch_accounts_dsn,
            "MF_DATA_ENCRYPTION_KEY": new,
            "MF_DATA_ENCRYPTION_PREVIOUS_KEYS": old,
        }
    )

    assert completed.returncode == 0, completed.stderr
    assert "bank_change_requests.details_encrypted: 1 of 1 values re-encrypted" in completed.stdout
    assert "outgoing_mail.message_encrypted: 1 of 1 values re-encrypted" in completed.stdout
    assert "5 values re-encrypted" in completed.stdout
    assert old not in completed.stdout + completed.stderr
    assert new not in completed.stdout + completed.stderr


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"MF_DATA_ENCRYPTION_KEY": ""}, "missing environment variable MF_DATA_ENCRYPTION_KEY"),
        ({"MF_DATA_ENCRYPTION_KEY": "short"}, "invalid environment variable MF_DATA_ENCRYPTION_KEY"),
    ],
)
def test_command_rejects_bad_variables(environment, message):
    completed = run_command({"MF_DATABASE_URL": "postgresql://accounts:x@127.0.0.1:1/accounts", **environment})

    assert completed.returncode == 2
    assert message in completed.stderr


def test_command_key_text_never_printed():
    key = base64.b64encode(os.urandom(32)).decode()

    completed = run_command(
        {"MF_DATABASE_URL": "postgresql://accounts:x@127.0.0.1:1/accounts", "MF_DATA_ENCRYPTION_KEY": key,
         "MF_DATA_ENCRYPTION_PREVIOUS_KEYS": f"{key},short"}
    )

    assert completed.returncode == 2
    assert "key 2" in completed.stderr
    assert key not in completed.stderr
