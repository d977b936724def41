"""Tests that read_fec and analyse_fec give the cycle collector back as they found it."""

import gc

import pytest

from services.ledger.fec import FecValueError, analyse_fec, read_fec

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib"
    "\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)
LINE = "BQ\tBanque\t1\t20240131\t512000\tBanque\t\t\tVIR1\t20240131\tx\t0,00\t0,00\t\t\t\t\t"


@pytest.fixture
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_read_fec_leaves_collector_enabled(collector_enabled):
    read_fec(f"{HEADER}\n{LINE}\n".encode())

    assert gc.isenabled()


def test_read_fec_error_leaves_collector_enabled(collector_enabled):
    with pytest.raises(FecValueError):
        read_fec(f"{HEADER}\n{LINE.replace('20240131', '2024')}\n".encode())

    assert gc.isenabled()


def test_read_fec_leaves_collector_disabled(collector_enabled):
    gc.disable()

    read_fec(f"{HEADER}\n{LINE}\n".encode())

    assert not gc.isenabled()


def test_analyse_fec_leaves_collector_enabled(collector_enabled):
    fec = read_fec(f"{HEADER}\n{LINE}\n".encode())

    analyse_fec(fec)

    assert gc.isenabled()
