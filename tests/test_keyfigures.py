"""Key figure register: adding, refusing, deterministic JSON and the round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spiegel import keyfigures
from spiegel.keyfigures import KeyFigure, Register
from spiegel.sdc import DisclosureError
from spiegel.stats import Estimate


def _register() -> Register:
    reg = Register("gemeenten", 2022)
    reg.add("actief_zoekend", Estimate(0.2012345678, 0.17, 0.23, 712, 640.5), label="Zoekt actief",
            source="klanten_pw", section="2.3")
    reg.add("n_bijstand", np.int64(416000), label="Personen met bijstand", source="cbs_bijstand")
    reg.add("rapportcijfer", Estimate(6.84, 6.7, 6.98, 700, 650.0, "mean"), label="Cijfer",
            source="klanten_pw", unit="grade", figure="figuur_4")
    reg.add("caseload", 12.3456789, label="Gemiddelde caseload", source="klantmanagers_pw",
            unit="mean", n=105)
    return reg


def test_add_returns_its_input_and_stores_the_estimate():
    reg = Register("gemeenten", 2022)
    est = Estimate(0.4, 0.36, 0.44, 700, 650.0)
    assert reg.add("x", est, label="X", source="klanten_pw") is est
    assert reg.add("y", 3, label="Y", source="s") == 3
    fig = reg["x"]
    assert isinstance(fig, KeyFigure)
    assert (fig.value, fig.ci_low, fig.ci_high, fig.n, fig.n_eff, fig.unit) == (
        0.4, 0.36, 0.44, 700, 650.0, "share")
    assert reg["y"].unit == "count" and "x" in reg and len(reg) == 2


def test_add_refuses_bad_input():
    reg = Register("gemeenten", 2022, threshold=10)
    reg.add("x", 0.4, label="X", source="s", unit="share")
    with pytest.raises(ValueError, match="duplicate"):
        reg.add("x", 0.5, label="X", source="s", unit="share")
    with pytest.raises(ValueError, match="between 0 and 1"):
        reg.add("pct", 40.0, label="P", source="s", unit="share")
    with pytest.raises(ValueError, match="unit"):
        reg.add("f", 0.4, label="F", source="s")
    with pytest.raises(ValueError, match="unit"):
        reg.add("u", 1, label="U", source="s", unit="percent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing"):
        reg.add("nan", Estimate(float("nan"), float("nan"), float("nan"), 0, 0.0), label="N",
                source="s")
    with pytest.raises(ValueError, match="id"):
        reg.add("met spatie", 1, label="S", source="s")
    with pytest.raises(DisclosureError):
        reg.add("klein", Estimate(0.5, 0.2, 0.8, 9, 9.0), label="K", source="s")


def test_save_writes_chapter_json_deterministically(tmp_path):
    path = _register().save(tmp_path / "keyfigures")
    assert path == tmp_path / "keyfigures" / "gemeenten.json"
    again = _register().save(tmp_path / "other.json")
    assert path.read_bytes() == again.read_bytes()
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and not (tmp_path / "keyfigures" / "gemeenten.json.tmp").exists()
    doc = json.loads(text)
    assert list(doc) == sorted(doc)
    assert doc["chapter"] == "gemeenten" and doc["edition"] == 2022
    first = doc["figures"][0]
    assert list(first) == sorted(first)
    assert first["value"] == 0.201235  # rounded to 6 decimals
    assert [f["id"] for f in doc["figures"]] == ["actief_zoekend", "n_bijstand",
                                                  "rapportcijfer", "caseload"]
    assert doc["figures"][1]["value"] == 416000 and isinstance(doc["figures"][1]["value"], int)


def test_load_round_trip(tmp_path):
    reg = _register()
    path = reg.save(tmp_path)
    loaded = keyfigures.load(path)
    assert (loaded.chapter, loaded.edition, len(loaded)) == ("gemeenten", 2022, 4)
    assert loaded.to_json() == reg.to_json()
    assert loaded["rapportcijfer"].figure == "figuur_4"
    assert loaded["actief_zoekend"].section == "2.3"
    assert list(loaded.to_frame().columns) == keyfigures.COLUMNS


def test_summary_is_short_and_stable():
    assert _register().summary() == (
        "actief_zoekend: 20% (n=712)\n"
        "n_bijstand: 416.000\n"
        "rapportcijfer: 6,8 (n=700)\n"
        "caseload: 12,3 (n=105)"
    )
    assert _register().summary(decimals=1).splitlines()[0] == "actief_zoekend: 20,1% (n=712)"
