"""The synthetic generator: deterministic, seed-dependent, calibrated, realistic contrasts."""

import copy

import numpy as np
import pandas as pd
import pytest

from spiegel import stats
from spiegel.chapters.gemeenten import synth as gemeenten
from spiegel.synth.core import cut, rake, write_if_changed

SEED, EDITION = 20220906, 2022


def test_same_seed_gives_identical_files(tmp_path):
    for name, generator in (("klanten", gemeenten.klanten_pw), ("km", gemeenten.klantmanagers_pw)):
        a, b = tmp_path / f"{name}_a.csv", tmp_path / f"{name}_b.csv"
        write_if_changed(generator(SEED, EDITION), a)
        write_if_changed(generator(SEED, EDITION), b)
        assert a.read_bytes() == b.read_bytes()


def test_other_seed_gives_other_but_equally_calibrated_data():
    a = gemeenten.klanten_pw(SEED, EDITION)
    b = gemeenten.klanten_pw(SEED + 1, EDITION)
    assert not a.equals(b)
    for frame in (a, b):
        brede = frame[frame["steekproef"] == "brede_doelgroep"]
        est = stats.share(brede["arbeidsvermogen"], "nu", brede["gewicht"])
        assert est.value == pytest.approx(0.25, abs=0.01)


def test_unchanged_regeneration_keeps_file_and_mtime(tmp_path):
    frame = pd.DataFrame({"a": [1, 2]})
    path = tmp_path / "x.csv"
    assert write_if_changed(frame, path) is True
    before = path.stat().st_mtime_ns
    assert write_if_changed(frame, path) is False
    assert path.stat().st_mtime_ns == before


def test_cut_hits_weighted_shares():
    rng = np.random.default_rng(1)
    latent, w = rng.normal(size=5000), rng.uniform(0.5, 2, 5000)
    codes = cut(latent, w, ("a", "b", "c"), (0.2, 0.5, 0.3))
    for code, target in zip("abc", (0.2, 0.5, 0.3)):
        assert w[codes == code].sum() / w.sum() == pytest.approx(target, abs=0.002)
    # Highest latent scores get the first category.
    assert latent[codes == "a"].min() > latent[codes == "c"].max()


def test_raking_restores_population_margins():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"g": rng.choice(["m", "v"], 2000, p=[0.3, 0.7]),
                          "l": rng.choice(["j", "o"], 2000, p=[0.6, 0.4])})
    w = rake(frame, {"g": {"m": 0.5, "v": 0.5}, "l": {"j": 0.3, "o": 0.7}})
    assert w[frame["g"] == "m"].sum() / w.sum() == pytest.approx(0.5, abs=1e-3)
    assert w[frame["l"] == "j"].sum() / w.sum() == pytest.approx(0.3, abs=1e-3)
    assert w.mean() == pytest.approx(1.0)


def test_sample_is_not_the_population_so_weights_matter(gemeenten):
    brede = gemeenten.brede
    unweighted = (brede["geslacht"] == "vrouw").mean()
    weighted = stats.share(brede["geslacht"], "vrouw", brede["gewicht"]).value
    assert weighted == pytest.approx(0.57, abs=0.005)
    assert abs(unweighted - weighted) > 0.01  # women respond more often


def test_report_contrasts_exist_in_the_data(gemeenten):
    from spiegel.chapters import gemeenten as ch

    men_women = ch.contrast(gemeenten, "actief_zoekend_naar_werk", "geslacht", "man", "vrouw")
    assert men_women.significant and men_women.diff > 0.05
    dgr = ch.dgr_vs_brede(gemeenten, "behoefte_zoeken_werk_klant")
    assert dgr.significant and dgr.diff == pytest.approx(0.14, abs=0.03)
    # Items on one topic correlate, as real answers do.
    b = gemeenten.brede
    useful = b["mw_zinvol"].isin(ch.AGREE)
    chance = b["mw_kans_werk"].isin(ch.AGREE)
    assert np.corrcoef(useful[b["contact_gemeente"] == "ja"], chance[b["contact_gemeente"] == "ja"])[0, 1] > 0.2


def test_register_reproduces_every_tabel_2_cell_but_the_documented_one(monkeypatch):
    cfg = copy.deepcopy(gemeenten.targets(EDITION))
    cfg["cbs_srg"]["persons"] = 60_000
    monkeypatch.setattr(gemeenten, "targets", lambda edition: cfg)
    persons, starts = gemeenten.cbs_srg.__wrapped__(SEED, EDITION)  # not the cached full size
    assert persons["persoon_id"].is_unique
    assert set(starts["persoon_id"]) <= set(persons["persoon_id"])
    period = pd.period_range("2019-03", "2020-02", freq="M").astype(str)
    voor = persons[persons["in_periode_voor"]]
    started = starts[starts["startmaand"].isin(period)]
    coaching = voor["persoon_id"].isin(started.loc[started["voorziening"] == "coaching", "persoon_id"])
    women = voor["geslacht"] == "vrouw"
    assert round(coaching.mean() * 100) == 17
    assert round(coaching[women].mean() * 100) == 14
