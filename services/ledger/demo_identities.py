"""Fictional legal identities of the demo creditors and agencies.

The SIREN, SIRET, VAT and IBAN numbers pass their checksums but were made up,
and the IBANs use real French bank codes with invented account numbers. Email
addresses use the reserved ``.example`` domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class LegalIdentity:
    """Company details printed on invoices (seller or buyer)."""

    legal_name: str
    legal_form: str
    siren: str
    siret: str
    """SIRET of the head office: the SIREN followed by a 5-digit establishment number (NIC)."""
    vat_number: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    email: str
    country: str = "FR"
    share_capital: Decimal | None = None
    rcs_city: str | None = None
    """City of the trade and companies register (RCS)."""
    iban: str | None = None
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class DemoCreditor:
    """Classified-ad portal that bills agencies a monthly subscription."""

    slug: str
    name: str
    identity: LegalIdentity
    plan_prices: tuple[Decimal, ...]
    """Monthly subscription prices before VAT. Each agency pays one of them."""
    option_prices: tuple[Decimal, ...]
    """Prices before VAT of the occasional "mise en avant" option."""
    payment_terms: str = "30 jours fin de mois"


@dataclass(frozen=True, slots=True)
class DemoAgency:
    """Real-estate agency, customer of one or more creditors."""

    name: str
    identity: LegalIdentity
    accounts: Mapping[str, str] = field(default_factory=dict)
    """Customer account number (CompAuxNum) at each creditor, keyed by creditor slug."""


def _creditor_identity(
    *,
    name: str,
    siren: str,
    nic: str,
    street: str,
    postal_code: str,
    city: str,
    iban: str,
    bic: str,
    domain: str,
) -> LegalIdentity:
    return LegalIdentity(
        legal_name=name,
        legal_form="SAS",
        siren=siren,
        siret=siren + nic,
        vat_number=_french_vat_number(siren),
        address_lines=(street,),
        postal_code=postal_code,
        city=city,
        email=f"facturation@{domain}",
        share_capital=Decimal("50000.00"),
        rcs_city=city,
        iban=iban,
        bic=bic,
    )


def _agency_identity(
    *, name: str, siren: str, nic: str, street: str, postal_code: str, city: str, domain: str
) -> LegalIdentity:
    return LegalIdentity(
        legal_name=name,
        legal_form="SARL",
        siren=siren,
        siret=siren + nic,
        vat_number=_french_vat_number(siren),
        address_lines=(street,),
        postal_code=postal_code,
        city=city,
        email=f"comptabilite@{domain}",
    )


def _french_vat_number(siren: str) -> str:
    """Return the French VAT number of a SIREN: FR, a 2-digit key, then the SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


DEMO_CREDITORS: tuple[DemoCreditor, ...] = (
    DemoCreditor(
        slug="pressimmo",
        name="PRESSIMMO ON LINE",
        identity=_creditor_identity(
            name="PRESSIMMO ON LINE", siren="812345676", nic="00017",
            street="14 rue des Tanneurs", postal_code="69002", city="Lyon",
            iban="FR7630002012340001234567846", bic="CRLYFRPP", domain="pressimmo.example",
        ),
        plan_prices=(Decimal("149.00"), Decimal("249.00"), Decimal("349.00")),
        option_prices=(Decimal("29.00"), Decimal("49.00")),
    ),
    DemoCreditor(
        slug="belles-demeures",
        name="BELLES DEMEURES",
        identity=_creditor_identity(
            name="BELLES DEMEURES", siren="793451287", nic="00015",
            street="8 allée des Orangers", postal_code="06400", city="Cannes",
            iban="FR7610107004560009876543206", bic="BREDFRPP", domain="belles-demeures.example",
        ),
        plan_prices=(Decimal("290.00"), Decimal("450.00"), Decimal("690.00")),
        option_prices=(Decimal("90.00"), Decimal("150.00")),
    ),
    DemoCreditor(
        slug="poliris",
        name="POLIRIS",
        identity=_creditor_identity(
            name="POLIRIS", siren="841762032", nic="00016",
            street="27 boulevard des Capucins", postal_code="75009", city="Paris",
            iban="FR7618206007890005550123449", bic="AGRIFRPP882", domain="poliris.example",
        ),
        plan_prices=(Decimal("99.00"), Decimal("179.00"), Decimal("259.00")),
        option_prices=(Decimal("19.00"), Decimal("39.00")),
    ),
)

DEMO_AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency(
        name="Agence du Parc",
        identity=_agency_identity(
            name="AGENCE DU PARC", siren="529183741", nic="00014",
            street="3 place du Parc", postal_code="44000", city="Nantes", domain="agence-du-parc.example",
        ),
        accounts=MappingProxyType({"pressimmo": "C00123", "belles-demeures": "C00418", "poliris": "C00057"}),
    ),
    DemoAgency(
        name="Immobilière des Tilleuls",
        identity=_agency_identity(
            name="IMMOBILIERE DES TILLEULS", siren="530472190", nic="00012",
            street="41 avenue des Tilleuls", postal_code="33000", city="Bordeaux",
            domain="tilleuls-immo.example",
        ),
        accounts=MappingProxyType({"pressimmo": "C00124", "poliris": "C00061"}),
    ),
    DemoAgency(
        name="Les Toits du Vieux Port",
        identity=_agency_identity(
            name="LES TOITS DU VIEUX PORT", siren="487123655", nic="00010",
            street="12 quai du Port", postal_code="13002", city="Marseille",
            domain="toits-vieux-port.example",
        ),
        accounts=MappingProxyType({"belles-demeures": "C00421"}),
    ),
    DemoAgency(
        name="Agence des Quatre Saisons",
        identity=_agency_identity(
            name="AGENCE DES QUATRE SAISONS", siren="492308713", nic="00014",
            street="5 rue des Saisons", postal_code="59000", city="Lille",
            domain="quatre-saisons-immo.example",
        ),
        accounts=MappingProxyType({"pressimmo": "C00131", "belles-demeures": "C00433"}),
    ),
    DemoAgency(
        name="Clés de la Presqu'île",
        identity=_agency_identity(
            name="CLES DE LA PRESQU'ILE", siren="508129475", nic="00010",
            street="22 rue de la Presqu'île", postal_code="69001", city="Lyon",
            domain="cles-presquile.example",
        ),
        accounts=MappingProxyType({"poliris": "C00072"}),
    ),
)


def demo_creditor(slug: str) -> DemoCreditor:
    """Return the demo creditor with this slug, or raise KeyError listing the known slugs."""
    for creditor in DEMO_CREDITORS:
        if creditor.slug == slug:
            return creditor
    known = ", ".join(creditor.slug for creditor in DEMO_CREDITORS)
    raise KeyError(f"unknown demo creditor {slug!r}; expected one of {known}")
