"""A malformed MF_DATABASE_URL stops a service at start-up with one line that names the variable, not the URL."""

from __future__ import annotations

import pytest

from shared.settings import ServiceSettings, database_url_problem, load_settings


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ledger:secret@127.0.0.1:5432/ledger",
        "postgres://ledger@db/ledger?sslmode=verify-full",
        "postgresql://ledger:secret@[::1]:5432/ledger",
        "postgresql://ledger:secret@db1:5432,db2:5433/ledger?target_session_attrs=read-write",
        "postgresql:///ledger?host=/var/run/postgresql",
    ],
)
def test_usable_database_url_accepted(url: str) -> None:
    assert database_url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ledger:Secret-Pw-77@127.0.0.1:99999/ledger",
        "postgresql://ledger:Secret-Pw-77@127.0.0.1:port/ledger",
        "postgresql://ledger:Secret-Pw-77@[::1/ledger",
        "postgresql://ledger:Secret-Pw-77@db1:5432,db2:0/ledger",
        "postgresql://ledger:Secret-Pw-77@db/ledger?sslmode=toujours",
        "http://ledger:Secret-Pw-77@db/ledger",
    ],
)
def test_malformed_database_url_named(monkeypatch, capsys, url: str) -> None:
    monkeypatch.setenv("MF_DATABASE_URL", url)

    with pytest.raises(SystemExit) as stopped:
        load_settings(ServiceSettings)

    assert str(stopped.value).startswith("invalid environment variable MF_DATABASE_URL: ")
    assert "Secret-Pw-77" not in str(stopped.value)
