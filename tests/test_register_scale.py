"""Chapter 2's register figures, now aggregated by DuckDB over the Parquet files
(src/spiegel/chapters/gemeenten/register.py), equal today's pandas computation: the oracle in
tests/register_reference.py, copied unchanged from the chapter before the change.

Every register figure is compared (the register rates per group, period and provision with and
without suppression, Tabel 2 as numbers and as printed, Figuur 3, the start counts, the recovery
months and every register finding), counts exactly and shares to float precision, on:

- the 2022 synthetic data;
- a register resampled from it with another seed (650,000 persons, rows shuffled, files in
  row groups of 50,000; with an extra group column outside the chapter's own);
- a small register (2,500 persons) where cells fall below the disclosure threshold, with an
  unknown provision, starts of unknown persons and a person listed twice;
- the 2022 register handed in as changed pandas frames (as the chapter's tests change the data);
- registers with a period nobody is in, or a group in one period only (the rates only).

And: ``load`` leaves the register in its files (nothing reads it into pandas), a register file
that is missing, empty, unreadable or lacks a column stops with a message naming it, and DuckDB's
spill folder exists only while it spills.
"""

from __future__ import annotations

import copy
import math
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import register_reference as oracle

from spiegel.chapters import gemeenten as ch
from spiegel.chapters.gemeenten import register
from spiegel.findings import Register
from spiegel.io import SourceError, read_source

TABEL_2 = list(ch.spec()["tabel_2"]["voorzieningen"])
WANTED = (None, ["any", *ch.VOORZIENINGEN], TABEL_2, ["jobcoach", "any"])
BYS = (None, "geslacht", "herkomst", "leeftijd", "gemeentegrootte")


# --------------------------------------------------------------------------- helpers


def with_register(edition, personen: Path | str, starts: Path | str):
    """``edition`` with its register sources pointing at other files."""
    raw = copy.deepcopy(edition.raw)
    raw["sources"][ch.SOURCE_PERSONEN]["file"] = str(personen)
    raw["sources"][ch.SOURCE_STARTS]["file"] = str(starts)
    return replace(edition, raw=raw)


def written(edition, folder: Path, personen: pd.DataFrame, starts: pd.DataFrame, row_group_size=None):
    folder.mkdir(parents=True, exist_ok=True)
    return with_register(edition, oracle.write(personen, folder / "personen.parquet", row_group_size),
                         oracle.write(starts, folder / "starts.parquet", row_group_size))


def same(a, b, where: str = "") -> None:
    """``a`` equals ``b``: numbers to float precision (whole numbers exactly), the rest exactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=0), (where, a, b)
    else:
        assert a == b and type(a) is type(b), (where, a, b)


def frames_equal(new: pd.DataFrame, old: pd.DataFrame, what: str) -> None:
    """Same columns, dtypes, row order and values; integer columns exactly, floats to 1e-12."""
    try:
        pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-12, atol=0)
        for column in new.columns:
            if pd.api.types.is_integer_dtype(new[column]):
                assert (new[column].to_numpy() == old[column].to_numpy()).all(), column
    except AssertionError as exc:
        raise AssertionError(f"{what}: {exc}") from None


def assert_register_figures_equal(data: ch.Data, ref: oracle.Frames, bys=BYS) -> int:
    """Every register figure of the chapter equals the oracle's; returns the number compared."""
    compared = 0
    for by in bys:
        for wanted in WANTED:
            for suppress in (True, False):
                frames_equal(ch.register_rates(data, by, wanted, suppress=suppress),
                             oracle.register_rates(ref, by, wanted, suppress=suppress),
                             f"register_rates(by={by}, {wanted}, suppress={suppress})")
                compared += 1
    frames_equal(ch.tabel_2(data), oracle.tabel_2(ref), "tabel_2")
    frames_equal(ch.tabel_2_display(data), oracle.tabel_2_display(ref), "tabel_2_display")
    frames_equal(ch.figuur_3(data), oracle.figuur_3(ref), "figuur_3")
    months = {p: ch._period_months(data, p).astype(str) for p in ch.PERIODS}
    recovery = ch.recovery_months(data)
    for key, index in oracle.recovery_months(ref).items():
        assert recovery[key].equals(index), key
        months[f"herstel_{key}"] = index.astype(str)
    months["other"] = ["2019-07", "2021-06", "2030-01"]  # one month the data lacks
    for key, m in months.items():
        same(ch.start_counts(data, m), oracle.start_counts(ref, m), f"start_counts[{key}]")
    ed = data.edition
    reg = Register(ch.CHAPTER, ed.edition, threshold=ed.disclosure_threshold, alpha=ed.alpha,
                   tolerance=float(data.choices["change_tolerance"]))
    ch.register_findings(reg, data)
    expected = oracle.findings(ref)
    assert [f.id for f in reg] == [f.id for f in expected]
    for finding in expected:
        same(reg[finding.id].to_dict(), finding.to_dict(), finding.id)
    return compared + 4 + len(months) + len(expected)


# --------------------------------------------------------------------------- the datasets


@pytest.fixture(scope="module")
def frames_2022(edition) -> oracle.Frames:
    return oracle.read(edition)


@pytest.fixture(scope="module")
def resampled(edition, frames_2022, tmp_path_factory):
    """650,000 persons drawn with another seed, rows shuffled, with a group column ``regio`` that
    is not one of the chapter's, in files of several row groups."""
    personen, starts = oracle.resample(frames_2022.personen, frames_2022.starts, 650_000, seed=31, shuffle=True)
    personen["regio"] = np.random.default_rng(32).choice(["noord", "oost", "zuid", "west"], len(personen))
    return written(edition, tmp_path_factory.mktemp("resampled"), personen, starts, row_group_size=50_000)


@pytest.fixture(scope="module")
def small(edition, frames_2022, tmp_path_factory):
    """2,500 persons: many cells below the threshold. Also an unknown provision (counts for "any",
    not in the start counts), starts of persons not in the register, a person listed twice, and
    a provision started only a few times in the year after."""
    personen, starts = oracle.resample(frames_2022.personen, frames_2022.starts, 2_500, seed=5)
    personen = pd.concat([personen, personen.iloc[[7]]], ignore_index=True)  # listed twice
    na = starts["startmaand"].isin(ch._months(edition["periods"]["na"]).astype(str))
    few = starts.index[(starts["voorziening"] == "vervoersvoorziening") & na]
    starts = starts.drop(few[4:])  # four left: Figuur 3's cell is suppressed
    extra = pd.DataFrame({"persoon_id": [1, 2, 3, 999_999, 999_998],
                          "voorziening": ["overig", "overig", "coaching", "coaching", "training"],
                          "startmaand": ["2019-05", "2020-05", "2020-06", "2019-04", "2020-04"]})
    starts = pd.concat([starts, extra], ignore_index=True).astype({"voorziening": "str", "startmaand": "str"})
    return written(edition, tmp_path_factory.mktemp("small"), personen, starts)


def test_the_2022_register_figures_equal_the_pandas_computation(gemeenten, frames_2022):
    assert isinstance(gemeenten.personen, register.ParquetTable)  # the chapter's own load
    assert assert_register_figures_equal(gemeenten, frames_2022) >= 80  # every figure, not a handful


def test_a_resampled_shuffled_register_gives_the_same_figures(resampled):
    data, ref = ch.load(resampled), oracle.read(resampled)
    assert len(data.personen) == 650_000 and not ref.personen["persoon_id"].is_monotonic_increasing
    assert ref.personen.shape[0] == 650_000 and len(data.starts) == len(ref.starts) > 600_000
    assert_register_figures_equal(data, ref, bys=(*BYS, "regio"))
    # groups keep the order in which the file lists them, as pandas.factorize gave it
    groups = ch.register_rates(data, "regio", ["any"])["groep"].tolist()[:4]
    assert groups == list(dict.fromkeys(ref.personen.loc[ref.personen["in_periode_voor"], "regio"]))[:4]


def test_a_small_register_suppresses_the_same_cells(small):
    data, ref = ch.load(small), oracle.read(small)
    assert_register_figures_equal(data, ref)
    rates = ch.register_rates(data, "gemeentegrootte", None)
    assert rates["suppressed"].any() and not rates["suppressed"].all()  # the case does suppress
    assert rates.loc[rates["suppressed"], "aandeel"].isna().all()
    figure_3 = ch.figuur_3(data)
    assert figure_3["suppressed"].sum() == 1 and figure_3.loc[figure_3["suppressed"], "aantal"].isna().all()
    reg = Register(ch.CHAPTER, 2022, threshold=data.threshold)
    ch.register_findings(reg, data)
    assert any(f.suppressed for f in reg)


def test_changed_pandas_frames_give_the_same_figures(gemeenten, frames_2022):
    personen = frames_2022.personen.copy()
    personen["geslacht"] = personen["geslacht"].map({"man": "vrouw", "vrouw": "man"})
    westers = personen.index[personen["herkomst"] == "westers"]
    personen.loc[westers[8:], "herkomst"] = "nederlands"
    starts = frames_2022.starts[frames_2022.starts["voorziening"] != "training"].reset_index(drop=True)
    data = replace(gemeenten, personen=personen, starts=starts, _cache={})
    assert_register_figures_equal(data, oracle.Frames(gemeenten.edition, personen, starts))
    assert ch.start_counts(data, ["2019-03"])["training"] == 0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the oracle's 0/0
@pytest.mark.parametrize("change", ["nobody_after", "group_before_only", "everybody_in_both"])
def test_edge_registers_give_the_same_rates(gemeenten, frames_2022, change):
    personen, starts = oracle.resample(frames_2022.personen, frames_2022.starts, 3_000, seed=11)
    if change == "nobody_after":  # a total of no persons: a share of NaN; no groups at all
        personen["in_periode_na"] = False
    elif change == "group_before_only":
        personen.loc[personen["in_periode_na"], "leeftijd"] = personen.loc[personen["in_periode_na"], "leeftijd"] \
            .replace("tot_27", "27_tot_45")
        personen.loc[~personen["in_periode_na"], "leeftijd"] = "tot_27"
    else:
        personen["in_periode_voor"] = personen["in_periode_na"] = True
    data = replace(gemeenten, personen=personen, starts=starts, _cache={})
    ref = oracle.Frames(gemeenten.edition, personen, starts)
    for by in BYS:
        for wanted in WANTED:
            for suppress in (True, False):
                frames_equal(ch.register_rates(data, by, wanted, suppress=suppress),
                             oracle.register_rates(ref, by, wanted, suppress=suppress), f"{change} by={by}")
    if change == "nobody_after":
        total = ch.register_rates(data, None, ["any"], suppress=False)
        assert total.loc[total["periode"] == "na", "personen"].tolist() == [0]
        assert total.loc[total["periode"] == "na", "aandeel"].isna().all()


# --------------------------------------------------------------------------- the register stays in its files


def test_load_leaves_the_register_in_its_parquet_files(edition, monkeypatch):
    """Neither load nor the register figures read the persons or starts into pandas or Arrow."""
    import pyarrow.parquet as pq

    register_files = {edition.sources[s].path.resolve() for s in (ch.SOURCE_PERSONEN, ch.SOURCE_STARTS)}

    def guarded(read):
        def reader(path, *args, **kwargs):
            assert Path(path).resolve() not in register_files, f"{Path(path).name} read whole"
            return read(path, *args, **kwargs)
        return reader

    monkeypatch.setattr(pd, "read_parquet", guarded(pd.read_parquet))
    monkeypatch.setattr(pq, "read_table", guarded(pq.read_table))
    data = ch.load(edition)
    for table, source in ((data.personen, ch.SOURCE_PERSONEN), (data.starts, ch.SOURCE_STARTS)):
        assert isinstance(table, register.ParquetTable) and table.source == source
        assert table.path == edition.sources[source].path
    assert len(data.personen) == 472_000 and "in_periode_na" in data.personen.columns
    ch.tabel_2(data), ch.figuur_3(data)
    ch.register_findings(Register(ch.CHAPTER, 2022, threshold=data.threshold), data)
    assert data._cache["flags"].rows > 0  # computed, in DuckDB
    assert max(len(v) for v in data._cache.values() if isinstance(v, pd.DataFrame)) < 1_000


def test_a_parquet_table_copies_out_as_pandas_for_tests(gemeenten, frames_2022):
    copy_ = gemeenten.personen.copy()
    pd.testing.assert_frame_equal(copy_, frames_2022.personen)
    assert gemeenten.personen.to_pandas(["persoon_id"]).shape == (472_000, 1)


# --------------------------------------------------------------------------- clear errors


@pytest.mark.parametrize("content, problem", [
    (None, "file not found"),
    (b"", "file is empty"),
    (b"not parquet at all", "cannot be read: "),
])
def test_an_unreadable_register_file_stops_like_read_source(edition, tmp_path, content, problem):
    path = tmp_path / "personen.parquet"
    if content is not None:
        path.write_bytes(content)
    other = with_register(edition, path, edition.sources[ch.SOURCE_STARTS].path)
    with pytest.raises(SourceError) as opened:
        register.open_table(other, ch.SOURCE_PERSONEN)
    with pytest.raises(SourceError) as read:
        read_source(other, ch.SOURCE_PERSONEN)
    assert problem in str(opened.value) and opened.value.source == ch.SOURCE_PERSONEN
    assert str(opened.value).split(":")[0] == str(read.value).split(":")[0]
    assert opened.value.shown == read.value.shown and str(tmp_path) not in str(opened.value)
    with pytest.raises(SourceError, match=problem):
        ch.load(other)


def test_an_undeclared_register_source_is_named(edition):
    raw = copy.deepcopy(edition.raw)
    del raw["sources"][ch.SOURCE_STARTS]
    with pytest.raises(SourceError, match="dataset 'cbs_srg_starts': not declared in the params file"):
        register.open_table(replace(edition, raw=raw), ch.SOURCE_STARTS)


@pytest.mark.parametrize("source, column", [(ch.SOURCE_PERSONEN, "herkomst"), (ch.SOURCE_PERSONEN, "in_periode_na"),
                                            (ch.SOURCE_STARTS, "startmaand")])
def test_a_register_file_without_a_column_names_the_dataset_and_column(edition, frames_2022, tmp_path, source, column):
    personen, starts = frames_2022.personen.head(500), frames_2022.starts.head(500)
    if source == ch.SOURCE_PERSONEN:
        personen = personen.drop(columns=column)
    else:
        starts = starts.drop(columns=column)
    data = ch.load(written(edition, tmp_path, personen, starts))
    with pytest.raises(SourceError, match=rf"dataset '{source}': has no column\(s\) {column}, which .* needs"):
        ch.tabel_2(data)


def test_duckdb_sessions_leave_no_folder_behind(gemeenten, monkeypatch, tmp_path):
    """DuckDB spills beyond ``MEMORY_LIMIT`` into a folder of its own in the temporary folder: made
    only when it spills (a kernel that is killed leaves nothing), removed when the session ends."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = replace(gemeenten, _cache={})
    ch.tabel_2(data), ch.figuur_3(data)
    assert data._cache["flags"].rows > 0 and list(tmp_path.iterdir()) == []  # nothing spilled, nothing made
    monkeypatch.setattr(register, "MEMORY_LIMIT", "100MB")
    session = register._Session()
    session.con.sql("SELECT count(*) FROM (SELECT range % 6000000 AS g, count(*) FROM range(12000000) GROUP BY g)"
                    ).fetchall()
    assert [p.name.startswith("spiegel-duckdb-") for p in tmp_path.iterdir()] == [True]  # it spilled
    session.close()
    assert list(tmp_path.iterdir()) == []
