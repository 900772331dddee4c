"""What every chapter shares: the survey's answer codes and the source notes of its data."""

from __future__ import annotations

from spiegel.params import Edition

AGREE = ("helemaal_eens", "eens")
DISAGREE = ("oneens", "helemaal_oneens")
LIKERT_ORDER = ("helemaal_eens", "eens", "neutraal", "oneens", "helemaal_oneens", "weet_niet")
LIKERT_LABELS = {
    "helemaal_eens": "Helemaal eens", "eens": "Eens", "neutraal": "Neutraal", "oneens": "Oneens",
    "helemaal_oneens": "Helemaal oneens", "weet_niet": "Weet niet",
}


class ChapterData:
    """Mixin for a chapter's data holder (a dataclass with an ``edition`` field)."""

    edition: Edition

    @property
    def threshold(self) -> int:
        """The edition's disclosure threshold (minimum unweighted respondents per cell)."""
        return self.edition.disclosure_threshold
