"""Page geometry, font, colours and titles shared by the PDF layout modules.

Lengths are in millimetres on an A4 page (210 × 297 mm).
"""

from services.ledger.documents.model import DocumentKind

FONT_FAMILY = "DejaVuSans"
MARGIN = 15.0
FOOTER_HEIGHT = 14.0
RIGHT_COLUMN_X = 115.0
RIGHT_COLUMN_WIDTH = 80.0
TEXT_GREY = 90  # DeviceGray level out of 255
RULE_GREY = 170
HEADING_FILL = (235, 235, 235)

TITLES = {DocumentKind.INVOICE: "FACTURE", DocumentKind.CREDIT_NOTE: "AVOIR"}
TITLES_IN_TEXT = {DocumentKind.INVOICE: "Facture", DocumentKind.CREDIT_NOTE: "Avoir"}
