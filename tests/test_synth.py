"""The synthetic generator: deterministic, seed-dependent, calibrated, realistic contrasts."""

import copy
import hashlib
import json
from pathlib import Path

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


# --------------------------------------------------------------------------- the bytes synth writes

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "synth_sha256.json"


@pytest.mark.parametrize("seed", ["20220906", "1"])
def test_every_source_gets_exactly_the_reference_bytes(seed):
    """The generators were made cheaper (codes instead of frames of persons, raking masks found
    once): for the default seed and another one, every source of params/2022.yml gets the bytes
    the straightforward version wrote (sha256 recorded from it in tests/fixtures)."""
    from spiegel.params import load_params
    from spiegel.synth import generators
    from spiegel.synth.core import frame_bytes

    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    edition = load_params(Path(__file__).resolve().parents[1] / "params" / "2022.yml")
    assert reference["edition"] == edition.edition and set(reference["sha256"][seed]) == set(edition.sources)
    got = {sid: hashlib.sha256(frame_bytes(generators()[sid](int(seed), edition.edition), source.path)).hexdigest()
           for sid, source in edition.sources.items()}
    assert got == reference["sha256"][seed]


def test_the_register_is_the_frame_computation_it_replaces(monkeypatch):
    """On a small register (another size than the reference files), the coded version gives the
    frames of the pandas version it replaced: a person-frame re-implementation written here."""
    cfg = copy.deepcopy(gemeenten.targets(EDITION))
    cfg["cbs_srg"]["persons"] = 20_000
    monkeypatch.setattr(gemeenten, "targets", lambda edition: cfg)
    persons, starts = gemeenten.cbs_srg.__wrapped__(SEED, EDITION)
    expected_persons, expected_starts = _register_with_frames(cfg["cbs_srg"], SEED)
    pd.testing.assert_frame_equal(persons, expected_persons)
    pd.testing.assert_frame_equal(starts, expected_starts)


def _register_with_frames(cfg: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register as first written: frames of persons, map, groupby, drop_duplicates, sort_values."""
    from spiegel.synth.core import draw_categories, rng_for

    rng = rng_for(seed, "cbs_srg")
    n, comp = cfg["persons"], cfg["composition"]
    herkomst = {"nederlands": comp["nederlands"], "westers": comp["westers"],
                "niet_westers": 1 - comp["nederlands"] - comp["westers"]}
    persons = pd.DataFrame({"persoon_id": np.arange(1, n + 1),
                            "geslacht": draw_categories(rng, n, comp["geslacht"]),
                            "leeftijd": draw_categories(rng, n, comp["leeftijd"]),
                            "herkomst": draw_categories(rng, n, herkomst),
                            "gemeentegrootte": draw_categories(rng, n, comp["gemeentegrootte"])})
    in_voor = rng.random(n) < cfg["p_in_voor"]
    in_na = np.where(in_voor, rng.random(n) < (cfg["p_in_na"] - (1 - cfg["p_in_voor"])) / cfg["p_in_voor"], True)
    persons["in_periode_voor"], persons["in_periode_na"] = in_voor, in_na
    months = {p: pd.period_range(a, b, freq="M").astype(str).to_numpy() for p, (a, b) in cfg["months"].items()}

    def draw_months(period, k):
        profile = gemeenten.MONTH_PROFILE_NA if period == "na" else np.ones(len(months[period]))
        return months[period][rng.choice(len(months[period]), size=k, p=profile / profile.sum())]

    effects, starts = cfg["group_effects"], []
    for voorziening in list(cfg["tabel_2"]) + list(cfg["other_rates"]):
        for period, member in (("voor", in_voor), ("na", in_na)):
            pop = persons[member]
            age_w = pop["leeftijd"].map(effects["leeftijd"][period]).to_numpy(float)
            key = f"{voorziening}_{period}" if f"{voorziening}_{period}" in effects["gemeentegrootte"] else voorziening
            size_w = pop["gemeentegrootte"].map(effects["gemeentegrootte"].get(key, {})).fillna(1.0).to_numpy(float)
            weight = age_w * size_w
            if voorziening in cfg["tabel_2"]:
                cells = pop.groupby(["geslacht", "herkomst"]).size().rename("n").reset_index()
                printed = {label: v[0 if period == "voor" else 1] for label, v in cfg["tabel_2"][voorziening].items()}
                chosen = []
                rates = gemeenten._solve_cell_rates(cells, printed)
                for (g, h, size), rate in zip(cells.itertuples(index=False), rates):
                    sel = np.flatnonzero((pop["geslacht"].to_numpy() == g) & (pop["herkomst"].to_numpy() == h))
                    chosen.append(sel[gemeenten._pick(rng, weight[sel], int(round(rate * size)))])
                chosen = np.concatenate(chosen)
            else:
                rate = cfg["other_rates"][voorziening][0 if period == "voor" else 1]
                chosen = gemeenten._pick(rng, weight, int(round(rate * len(pop))))
            ids = pop["persoon_id"].to_numpy()[chosen]
            starts.append(pd.DataFrame({"persoon_id": ids, "voorziening": voorziening,
                                        "startmaand": draw_months(period, len(ids))}))
        level = cfg["monthly_level_2021"].get(voorziening, cfg["monthly_level_2021"]["default"])
        k = int(round(starts[-2]["startmaand"].isin(["2019-03", "2019-04", "2019-05", "2019-06"]).sum() * level))
        pop = persons[in_na]
        age_w = pop["leeftijd"].map(effects["leeftijd"]["na"]).to_numpy(float)
        ids = pop["persoon_id"].to_numpy()[gemeenten._pick(rng, age_w, k)]
        starts.append(pd.DataFrame({"persoon_id": ids, "voorziening": voorziening,
                                    "startmaand": draw_months("na_later", k)}))
    frame = pd.concat(starts, ignore_index=True).drop_duplicates(["persoon_id", "voorziening", "startmaand"])
    frame = frame.sort_values(["persoon_id", "voorziening", "startmaand"]).reset_index(drop=True)
    text = {"geslacht": "str", "leeftijd": "str", "herkomst": "str", "gemeentegrootte": "str"}
    return persons.astype(text), frame.astype({"voorziening": "str", "startmaand": "str"})
