"""Comparing a chapter's computed shares with the figures printed in the published report
(``tests/reference/<chapter>_<edition>.yaml``), with tolerances that follow the printed wording."""

from __future__ import annotations

from pathlib import Path

import yaml

TOLERANCE = 0.03  # percentage points, as a share
NEAR = 0.06       # how far "ruim"/"bijna" may lie from the printed value


def reference(name: str) -> dict:
    """The published figures of one chapter, ``name`` = "<chapter>_<edition>": read from the chapter's
    folder (``src/spiegel/chapters/<chapter>/published_<edition>.yaml``), else from tests/reference.
    Returns {"findings": {id: finding}, "tables": {id: table}}."""
    chapter, edition = name.rsplit("_", 1)
    path = Path(__file__).parents[1] / "src" / "spiegel" / "chapters" / chapter / f"published_{edition}.yaml"
    if not path.is_file():
        path = Path(__file__).parent / "reference" / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text("utf-8"))
    return {"findings": {f["id"]: f for f in raw["findings"]}, "tables": {t["id"]: t for t in raw["tables"]}}


def bounds(finding: dict, *, wording: bool = True) -> tuple[float, float]:
    """The interval a computed share must fall in to match the printed wording.

    A printed range is taken as is. A bound ("meerderheid", "minder dan"; a `bound` key or a note
    saying "lower bound") is one-sided, or within NEAR of the value when qualified with "ruim" or
    "bijna". With ``wording`` (for references that mark qualifiers only in the quote), an
    approximate value with "ruim"/"iets meer" lies up to NEAR above it, with "bijna"/"iets minder"
    up to NEAR below. Anything else lies within TOLERANCE either side.
    """
    value, quote = finding["value"], finding["quote"].lower()
    if isinstance(value, list):
        return value[0], value[1]
    note = (finding.get("note") or "").lower()
    bound = finding.get("bound") or ("lower" if "lower bound" in note else None)
    above = ("ruim" in quote or "iets meer" in quote) and "meerderheid" not in quote
    below = "bijna" in quote or "iets minder" in quote
    if bound == "lower":
        return (value, value + NEAR) if above else (value, 1.0)
    if bound == "upper":
        return (value - NEAR, value) if below else (0.0, value)
    if wording and finding.get("approx") and above:
        return value, value + NEAR
    if wording and finding.get("approx") and below:
        return value - NEAR, value
    return value - TOLERANCE, value + TOLERANCE


def share_mismatches(computed: dict, findings: dict, skip: set[str] = frozenset(), *,
                     wording: bool = True) -> tuple[int, list[str]]:
    """(number of shares compared, descriptions of those outside their bounds). Computed values
    are rounded to whole percents first, as the report prints them."""
    checked, failures = 0, []
    for fid, finding in findings.items():
        if fid not in computed or finding["unit"] != "share" or fid in skip:
            continue
        x = computed[fid]
        value = round(x if isinstance(x, (int, float)) else x.value, 2)
        lo, hi = bounds(finding, wording=wording)
        checked += 1
        if not lo - 1e-9 <= value <= hi + 1e-9:
            failures.append(f"{fid}: computed {value:.2f}, published {finding['value']} ({finding['quote']!r})")
    return checked, failures
