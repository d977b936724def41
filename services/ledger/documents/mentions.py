"""French sentences that a B2B invoice must carry, shared by the PDF and the CII notes.

The late-payment penalties, the 40 € recovery indemnity and the absence of an
early-payment discount are required by article L. 441-10 of the French Code de commerce.
"""

from services.ledger.documents.format import (
    NO_BREAK_SPACE,
    format_amount,
    format_date,
    format_siren,
)
from services.ledger.documents.model import DocumentToRender, Seller

RECOVERY_INDEMNITY = (
    f"Une indemnité forfaitaire de 40{NO_BREAK_SPACE}€ pour frais de recouvrement est "
    "également due en cas de retard de paiement (article L.\u00a0441-10 du Code de commerce)."
)
NO_EARLY_PAYMENT_DISCOUNT = "Aucun escompte n’est accordé en cas de paiement anticipé."


def late_payment_penalties(seller: Seller) -> str:
    return (
        "Tout paiement après l’échéance rend exigibles de plein droit des pénalités de "
        f"retard au taux de {seller.late_payment_penalty_rate}."
    )


def legal_identity(seller: Seller) -> str:
    """Return « Nom, SAS au capital de 10 000,00 €, RCS Lyon 732 829 320 » with the parts the seller gave."""
    parts = [seller.legal_name]
    if seller.legal_form is not None and seller.share_capital is not None:
        parts.append(f"{seller.legal_form} au capital de {format_amount(seller.share_capital)}")
    elif seller.legal_form is not None:
        parts.append(seller.legal_form)
    if seller.rcs_city is not None:
        parts.append(f"RCS {seller.rcs_city} {format_siren(seller.siren)}")
    else:
        parts.append(f"SIREN {format_siren(seller.siren)}")
    return ", ".join(parts)


def corrected_invoice(document: DocumentToRender) -> str | None:
    """Return « Avoir sur la facture n° F-1 du 01/07/2026 », or None without a preceding invoice."""
    if document.preceding_invoice_number is None:
        return None
    text = f"Avoir sur la facture n°{NO_BREAK_SPACE}{document.preceding_invoice_number}"
    if document.preceding_invoice_date is not None:
        text += f" du{NO_BREAK_SPACE}{format_date(document.preceding_invoice_date)}"
    return text
