"""What every chapter shares: the survey's answer codes, reading the chapter's YAML files, its
analysis choices from params, and the source notes of its data."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from spiegel.params import Edition

#: The keys every figure in a chapter's ``cited_<edition>.yml`` must have.
CITED_KEYS = frozenset({"value", "unit", "label", "document", "section"})


class SpecError(ValueError):
    """A chapter's definitions (items.yml, cited_<edition>.yml) are inconsistent."""


def read_yaml(chapter: str, name: str) -> Any:
    """``src/spiegel/chapters/<chapter>/<name>``, parsed; ``SpecError`` naming the file if it is missing."""
    path = resources.files(f"spiegel.chapters.{chapter}").joinpath(name)
    if not path.is_file():
        raise SpecError(f"chapter '{chapter}': src/spiegel/chapters/{chapter}/{name} is missing")
    return yaml.safe_load(path.read_text("utf-8"))


def cited_figures(chapter: str, edition: int) -> dict[str, dict[str, Any]]:
    """The figures a chapter takes from other documents in an edition (``cited_<edition>.yml``),
    each checked to name its value, unit, label, document and section."""
    figures = (read_yaml(chapter, f"cited_{edition}.yml") or {}).get("figures") or {}
    for fid, f in figures.items():
        missing = CITED_KEYS - set(f)
        if missing:
            raise SpecError(f"src/spiegel/chapters/{chapter}/cited_{edition}.yml: figures.{fid}: "
                            f"missing {sorted(missing)}")
    return figures


def required_analysis(edition: Edition, chapter: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The chapter's analysis choices from params (``analysis: <chapter>:``); a missing one stops
    with the key to add."""
    choices = edition.analysis(chapter)
    missing = [k for k in keys if k not in choices]
    if missing:
        raise KeyError(f"{edition.path.name}: analysis.{chapter} lacks {', '.join(missing)} "
                       f"(see params/2022.yml for what each means)")
    return choices

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
