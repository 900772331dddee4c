"""The detectors of personal data in open answers (spiegel.personal_data): what each flags and,
as important, what it leaves alone (nine arbitrary digits are no BSN, an IBAN with a wrong
checksum is no IBAN, a number without a dialling prefix is no phone number)."""

from __future__ import annotations

import pytest

from spiegel import personal_data as pd_

FIRST_NAMES = ["Jan", "Anna", "Kim", "Mohamed", "Sanne"]


def _flags(kind: str, text: str) -> bool:
    return pd_.detector(kind, FIRST_NAMES)(text)


@pytest.mark.parametrize("text", [
    "mail me op j.jansen@example.nl",
    "Stuur het naar info@gemeente-utrecht.nl graag",
    "contact: Ondernemer_123+tozo@mail.co.uk.",
])
def test_email_addresses_are_flagged(text):
    assert _flags("email", text)


@pytest.mark.parametrize("text", ["x@y", "het @-teken op de website", "mail naar naam at domein punt nl",
                                  "De gemeente mailde niet terug."])
def test_no_email_address_is_not_flagged(text):
    assert not _flags("email", text)


@pytest.mark.parametrize("text", ["bel me op 06-12345678", "bel 020 123 4567 aub", "+31 6 12345678 is mijn nummer",
                                  "0031 20 1234567", "(010) 123 45 67"])
def test_dialable_phone_numbers_are_flagged(text):
    assert _flags("phone", text)


@pytest.mark.parametrize("text", ["ordernummer 123456780", "omzet van 1.250 euro per maand", "sinds 2021",
                                  "612345678", "KvK 12345678", "Tozo 3 van oktober 2020 tot april 2021"])
def test_numbers_that_are_no_phone_number_are_not_flagged(text):
    assert not _flags("phone", text)


@pytest.mark.parametrize("text", ["rekening NL91ABNA0417164300", "NL91 ABNA 0417 1643 00 graag terugstorten",
                                  "nl91abna0417164300", "GB82 WEST 1234 5698 7654 32"])
def test_ibans_with_a_valid_checksum_are_flagged(text):
    assert _flags("iban", text)


@pytest.mark.parametrize("text", ["NL91ABNA0417164301", "NL92ABNA0417164300", "NL12 en meer",
                                  "BE68 5390 0754 7035"[:-1]])
def test_iban_lookalikes_failing_mod97_are_not_flagged(text):
    assert not _flags("iban", text)


@pytest.mark.parametrize("text", ["mijn bsn is 111222333", "bsn 123456782", "BSN: 1112.22.333",
                                  "burgerservicenummer 999 999 990"])
def test_nine_digits_passing_the_11_proef_are_flagged(text):
    assert _flags("bsn", text)


@pytest.mark.parametrize("text", ["ordernummer 123456789", "factuur 123456780", "0612345678", "1234567890",
                                  "12345678", "postcode 3511 AB"])
def test_nine_arbitrary_digits_are_not_flagged_as_bsn(text):
    assert not _flags("bsn", text)


def test_the_11_proef_is_what_decides():
    """Of all nine-digit numbers 10000000x, exactly those that pass the 11-proef are flagged."""
    def eleven(digits: str) -> bool:
        total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1))) - int(digits[8])
        return total % 11 == 0

    numbers = [f"10000{i:04d}" for i in range(0, 200)]
    flagged = [n for n in numbers if _flags("bsn", f"nummer {n}")]
    assert flagged == [n for n in numbers if eleven(n)]
    assert 0 < len(flagged) < len(numbers) / 5


@pytest.mark.parametrize("text", ["Ik sprak met Jan over de aanvraag.", "Jan de Vries hielp mij goed.",
                                  "mevrouw Bakker was vriendelijk", "Bedankt aan de heer Van Dijk",
                                  "Meneer Jansen belde terug", "Graag meer contact, zoals met Sanne."])
def test_names_are_flagged(text):
    assert _flags("name", text)


@pytest.mark.parametrize("text", ["Jan hielp mij.", "de klantmanager was aardig", "kim", "Tozo en TONK",
                                  "Het Ondernemersloket was onvindbaar."])
def test_what_the_name_check_does_not_catch(text):
    """Documented limits: a listed first name alone at the start of a sentence, lower case, words
    that are no listed first name."""
    assert not _flags("name", text)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        pd_.detector("postcode")
