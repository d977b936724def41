"""Every service's error messages reach the user with French no-break spaces."""

from shared.errors import DomainError, NotFound
from shared.typography import apply_french_spacing


def test_domain_error_spaces_punctuation():
    error = NotFound("Créancier « pressimmo » inconnu : créez-le d’abord ; merci !")

    assert error.message == "Créancier «\u00a0pressimmo\u00a0» inconnu\u00a0: créez-le d’abord\u202f; merci\u202f!"
    assert str(error) == error.message


def test_domain_error_keeps_spaced_message():
    message = "Fichier refusé\u00a0: rien n’a été importé\u202f; renvoyez-le."

    assert DomainError(message).message == message


def test_spacing_leaves_other_spaces():
    assert apply_french_spacing("FA 2024-001 du 31/07/2026") == "FA 2024-001 du 31/07/2026"


def test_spacing_leaves_query_parameter():
    message = "indiquez son encodage (paramètre ?encoding= par HTTP) : cp850 ?"

    assert apply_french_spacing(message) == "indiquez son encodage (paramètre ?encoding= par HTTP)\u00a0: cp850\u202f?"


def test_spacing_binds_number_sign():
    assert apply_french_spacing("Document n° FA-1 introuvable.") == "Document n°\u00a0FA-1 introuvable."
