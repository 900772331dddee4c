"""Disclosure control: suppression of small cells and the microdata guard."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from spiegel import sdc
from spiegel.sdc import DisclosureError
from spiegel.stats import Estimate


def _groups() -> pd.DataFrame:
    return pd.DataFrame({
        "group": ["man", "vrouw", "x"],
        "value": [0.25, 0.15, 0.5],
        "ci_low": [0.2, 0.1, 0.1],
        "ci_high": [0.3, 0.2, 0.9],
        "n": [300, 10, 9],
        "n_eff": [250.0, 8.0, 7.5],
    })


def test_suppress_blanks_small_cells_and_keeps_rows():
    frame = _groups()
    out = sdc.suppress(frame, threshold=10)
    assert len(out) == len(frame)
    assert list(out["suppressed"]) == [False, False, True]
    assert out.loc[2, ["value", "ci_low", "ci_high"]].isna().all()
    assert out.loc[1, "value"] == 0.15  # n == threshold is shown
    assert out.loc[2, "n"] == 9 and out.loc[2, "group"] == "x"  # n and labels stay
    assert frame.loc[2, "value"] == 0.5  # input not modified


def test_suppress_named_columns_register_count_and_text():
    frame = pd.DataFrame({"categorie": ["a", "b"], "aantal": [4, 120], "tekst": ["40%", "12%"]})
    out = sdc.suppress(frame, n_col="aantal", value_cols=["aantal", "tekst"], threshold=10)
    assert math.isnan(out.loc[0, "aantal"]) and out.loc[1, "aantal"] == 120
    assert out.loc[0, "tekst"] == sdc.SUPPRESSED_MARK and out.loc[1, "tekst"] == "12%"


def test_suppress_missing_n_counts_as_small_and_flags_accumulate():
    frame = pd.DataFrame({"value": [0.1, 0.2, 0.3], "n": [50, None, 50],
                          "suppressed": [False, False, True]})
    out = sdc.suppress(frame)
    assert list(out["suppressed"]) == [False, True, True]


def test_suppress_errors():
    with pytest.raises(KeyError):
        sdc.suppress(pd.DataFrame({"value": [1.0]}))
    with pytest.raises(KeyError):
        sdc.suppress(_groups(), value_cols=["nope"])


def test_note_and_mark():
    assert sdc.SUPPRESSED_MARK == "–"
    assert sdc.suppression_note(10) == "– = minder dan 10 respondenten; niet getoond"


def test_suppress_estimate():
    est = Estimate.from_aggregate(0.3, 9)
    assert sdc.suppress_estimate(est, 10) is None
    assert sdc.suppress_estimate(est, 9) is est
    assert sdc.suppress_estimate(None, 10) is None


@pytest.mark.parametrize("column", ["resp_id", "persoon_id", "km_id", "bsn", "gewicht",
                                    "regio_id", "ID"])
def test_check_aggregate_rejects_id_and_weight_columns(column):
    frame = pd.DataFrame({column: [1, 2], "aandeel": [0.5, 0.5]})
    with pytest.raises(DisclosureError, match="microdata"):
        sdc.check_aggregate(frame)


def test_check_aggregate_rejects_id_index_and_many_rows():
    with pytest.raises(DisclosureError):
        sdc.check_aggregate(pd.DataFrame({"x": [1]}, index=pd.Index(["R1"], name="resp_id")))
    with pytest.raises(DisclosureError, match="rows"):
        sdc.check_aggregate(pd.DataFrame({"x": range(501)}))
    assert len(sdc.check_aggregate(pd.DataFrame({"x": range(501)}), max_rows=600)) == 501


def test_check_aggregate_passes_aggregates_and_allow_list():
    frame = _groups()
    assert sdc.check_aggregate(frame) is frame
    regions = pd.DataFrame({"regio_id": ["R01"], "aandeel": [0.4]})
    assert sdc.check_aggregate(regions, allow=["regio_id"]) is regions
    # names that merely contain "id" are fine
    sdc.check_aggregate(pd.DataFrame({"identiteit": [1], "valid": [2], "geslacht": ["m"]}))
    with pytest.raises(TypeError):
        sdc.check_aggregate([1, 2])  # type: ignore[arg-type]
