"""Does a free-text answer contain something that identifies a person?

The detectors behind the contract rule ``no_personal_data`` (``spiegel.contracts``) for open
answers in survey files: an e-mail address, a phone number, an IBAN, a BSN or a person's name.
Each detector takes one text and answers True or False; none returns or logs what it matched,
so nothing found can end up in a message.

- ``email``: ``local@domain.tld`` (letters, digits and ``._%+-`` before the ``@``, a domain
  with at least one dot). Not caught: addresses written out to dodge filters ("naam at
  domein punt nl").
- ``phone``: a number that Google's libphonenumber (``phonenumbers``) finds in the text as a
  valid Dutch or international number, written as it is dialled: beginning with ``0``, ``+`` or
  ``00`` (``06-12345678``, ``020 123 4567``, ``+31 6 12345678``). Not caught: numbers without
  that prefix or split up in words; a number it cannot tell from a valid one is flagged.
- ``iban``: two letters, two check digits and 11–30 letters or digits (spaces allowed), whose
  mod-97 checksum and country length are valid (``stdnum.iban``). An IBAN with a typing error
  fails the checksum and is not caught.
- ``bsn``: nine digits (optionally grouped with spaces, dots or dashes), not part of a longer
  number, that pass the 11-proef (``stdnum.nl.bsn``). Nine arbitrary digits (an order number)
  fail the 11-proef in about ten cases out of eleven and are not flagged; the others are, on the
  safe side.
- ``name``: a first name from the list the contract gives (common Dutch first names), written
  with a capital, when it is not the first word of a sentence or is followed by a capitalised
  word or a tussenvoegsel (``Jan de Vries`` at the start of a sentence); and a capitalised word
  after a form of address (``meneer``, ``mevrouw``, ``mw.``, ``dhr.``, ``de heer``, ``juffrouw``).
  Not caught: surnames on their own, first names not on the list or written in lower case,
  initials (``J. Jansen``), and a listed first name alone at the start of a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import phonenumbers
from stdnum import iban as _iban
from stdnum.nl import bsn as _bsn

KINDS = ("name", "email", "phone", "iban", "bsn")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?=[ ]?[A-Za-z0-9])")
_BSN = re.compile(r"(?<![0-9])(?:[0-9][ .-]?){8}[0-9](?![0-9])")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'-]*")
_ADDRESS = re.compile(r"\b(?:meneer|mevrouw|mevr\.?|mw\.?|dhr\.?|de heer|juffrouw|mijnheer)\s+"
                      r"(?:(?:van|de|der|den|ter|ten|van der|van den|van de)\s+)?[A-ZÀ-Ö][a-zà-ÿ]+",
                      re.IGNORECASE)
_TUSSENVOEGSELS = {"van", "de", "der", "den", "ter", "ten", "te", "het", "'t"}


def has_email(text: str) -> bool:
    return bool(_EMAIL.search(text))


def has_phone(text: str, region: str = "NL") -> bool:
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        if match.raw_string.lstrip("( ").startswith(("0", "+")):
            return True
    return False


def has_iban(text: str) -> bool:
    for start in _IBAN_START.finditer(text):
        tail = text[start.start():start.start() + 50]
        compact = ""
        for ch in tail:
            if ch.isalnum():
                compact += ch.upper()
            elif ch != " ":
                break
            if 15 <= len(compact) <= 34 and _iban.is_valid(compact):
                return True
    return False


def has_bsn(text: str) -> bool:
    for match in _BSN.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())
        if _bsn.is_valid(digits):
            return True
    return False


def name_detector(first_names: Iterable[str]) -> Callable[[str], bool]:
    """A detector of person names with the given first names (compared case-sensitively after
    capitalising the list's entries)."""
    names = {n.strip()[:1].upper() + n.strip()[1:] for n in first_names if n and n.strip()}

    def has_name(text: str) -> bool:
        if _ADDRESS.search(text):
            return True
        words = list(_WORD.finditer(text))
        for i, word in enumerate(words):
            if word.group() not in names:
                continue
            before = text[:word.start()].rstrip()
            sentence_start = not before or before[-1] in ".!?:;\"'(\n"
            if not sentence_start:
                return True
            nxt = words[i + 1].group() if i + 1 < len(words) else ""
            if nxt and (nxt[:1].isupper() or nxt.lower() in _TUSSENVOEGSELS):
                return True
        return False

    return has_name


def detector(kind: str, first_names: Iterable[str] = ()) -> Callable[[str], bool]:
    """The detector of one kind (:data:`KINDS`)."""
    if kind == "name":
        return name_detector(first_names)
    found = {"email": has_email, "phone": has_phone, "iban": has_iban, "bsn": has_bsn}.get(kind)
    if found is None:
        raise ValueError(f"unknown kind of personal data {kind!r} (known: {', '.join(KINDS)})")
    return found
