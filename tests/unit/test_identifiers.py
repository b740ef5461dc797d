import pytest

from arapi.customers.errors import CustomerErrorCode
from arapi.customers.identifiers import compact_iban, normalize_iban, normalize_legal_id
from arapi.errors import ArapiError


def test_domain_vectors_for_siren_siret_vat():
    assert normalize_legal_id("732 829 320") == ("732829320", "siren")
    assert normalize_legal_id("73282932000074") == ("73282932000074", "siret")
    assert normalize_legal_id("FR44732829320") == ("FR44732829320", "vat")
    with pytest.raises(ArapiError) as err:
        normalize_legal_id("404833047")
    assert err.value.code is CustomerErrorCode.INVALID_LEGAL_ID
    with pytest.raises(ArapiError):
        normalize_legal_id("FR45732829320")  # wrong key


def test_ibans():
    assert normalize_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    with pytest.raises(ArapiError) as err:
        normalize_iban("FR7630006000011234567890188")
    assert err.value.code is CustomerErrorCode.INVALID_IBAN


def test_compact_iban_drops_every_kind_of_whitespace_and_refuses_invalid_ones():
    compact = "FR7630006000011234567890189"
    assert compact_iban("fr76 3000\t6000 0112\u00a03456 7890 189") == compact
    assert compact_iban(compact) == compact
    assert compact_iban("FR7630006000011234567890188") is None  # check digits wrong
    assert compact_iban("") is None and compact_iban(None) is None
