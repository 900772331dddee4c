"""The oracle for chapter 2's register figures, and register data of other sizes.

The functions under "the oracle" are today's (before issue 9) pandas computation of Tabel 2,
Figuur 3, the start counts, the recovery months and the register findings, copied unchanged from
``src/spiegel/chapters/gemeenten/__init__.py`` at the commit before the register moved to DuckDB.
tests/test_register_scale.py checks every figure of the chapter against them, and
benchmarks/register_scale.py times them as "the old path". Do not change them to follow the
chapter: they are the reference it must agree with. They work on :class:`Frames`, the register
read whole into pandas as the chapter used to hold it.

:func:`resample` builds register data of another size (or with another seed) from the 2022
synthetic files: persons drawn with replacement, each with the starts of the person drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spiegel import fmt, sdc, stats
from spiegel.chapters.gemeenten import (CHAPTER, LABELS, PERIODS, SOURCE_PERSONEN, SOURCE_STARTS, VOORZIENINGEN,
                                        analysis, spec)
from spiegel.findings import Figure, Register
from spiegel.io import read_file
from spiegel.params import Edition
from spiegel.stats import Estimate


@dataclass(frozen=True)
class Frames:
    """What the oracle reads: the edition and the register as whole pandas frames."""

    edition: Edition
    personen: pd.DataFrame
    starts: pd.DataFrame
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def choices(self) -> dict[str, Any]:
        return analysis(self.edition)

    @property
    def threshold(self) -> int:
        return self.edition.disclosure_threshold


def read(edition: Edition) -> Frames:
    """The edition's register files read whole, as the chapter's ``load`` did."""
    sources = edition.sources
    return Frames(edition, read_file(sources[SOURCE_PERSONEN].path, SOURCE_PERSONEN),
                  read_file(sources[SOURCE_STARTS].path, SOURCE_STARTS))


def findings(data: Frames) -> Register:
    """The register part of the chapter's findings (Tabel 2, the group comparisons and changes,
    Figuur 3 and the recovery), registered as the chapter's ``findings`` did."""
    ed = data.edition
    reg = Register(CHAPTER, ed.edition, threshold=ed.disclosure_threshold, alpha=ed.alpha,
                   tolerance=float(data.choices["change_tolerance"]))
    _register(reg, data)
    _starts(reg, data)
    return reg


# --------------------------------------------------------------------------- the oracle (copied unchanged)


Data = Frames  # the name the copied code's annotations use


def _months(spec_: dict) -> pd.PeriodIndex:
    return pd.period_range(spec_["start"], spec_["end"], freq="M")


def _period_months(data: Data, period: str) -> pd.PeriodIndex:
    return _months(data.edition["periods"][period])


def _started_flags(data: Data) -> tuple[np.ndarray, dict]:
    """Per person (rows aligned with ``data.personen``): whether a provision of each type started
    in each period, as a boolean matrix and the column of each (voorziening, period)."""
    if "flags" not in data._cache:
        ids = data.personen["persoon_id"]
        columns, flags = {}, []
        for period in PERIODS:
            months = _period_months(data, period).astype(str)
            s = data.starts[data.starts["startmaand"].isin(months)]
            for v in VOORZIENINGEN:
                columns[(v, period)] = len(flags)
                flags.append(ids.isin(s.loc[s["voorziening"] == v, "persoon_id"]).to_numpy())
            columns[("any", period)] = len(flags)
            flags.append(ids.isin(s["persoon_id"]).to_numpy())
        data._cache["flags"] = (np.column_stack(flags), columns)
    return data._cache["flags"]


def register_rates(data: Data, by: str | None = None, voorzieningen=None, *, suppress: bool = True) -> pd.DataFrame:
    """Share of the period's bijstand population with a started provision, per provision,
    period and (optionally) group ``by``. Columns: voorziening, periode, groep, personen,
    met_start, aandeel. Cells with fewer persons with a start than the disclosure threshold are
    suppressed (``suppress=False`` for the findings, which apply the threshold themselves)."""
    wanted = list(voorzieningen or VOORZIENINGEN)
    key = ("rates", by, tuple(wanted))
    if key not in data._cache:
        data._cache[key] = _rates(data, by, wanted)
    frame = data._cache[key].copy()
    if not suppress:
        return frame
    return sdc.suppress(frame, n_col="met_start", threshold=data.threshold, value_cols=("aandeel",))


def _rates(data: Data, by: str | None, wanted: list[str]) -> pd.DataFrame:
    flags, columns = _started_flags(data)
    rows = []
    for period in PERIODS:
        member = data.personen[f"in_periode_{period}"].to_numpy()
        if by:
            codes, names = pd.factorize(data.personen.loc[member, by])
        else:
            codes, names = np.zeros(int(member.sum()), dtype=int), ["totaal"]
        sizes = np.bincount(codes, minlength=len(names))
        for v in wanted:
            counts = np.bincount(codes, weights=flags[member, columns[(v, period)]], minlength=len(names))
            for g, size, count in zip(names, sizes, counts):
                rows.append({"voorziening": v, "periode": period, "groep": g, "personen": int(size),
                             "met_start": int(count), "aandeel": count / size})
    return pd.DataFrame(rows)


def tabel_2(data: Data) -> pd.DataFrame:
    """Tabel 2 as numbers: one row per provision and group, a column per period."""
    cfg = spec()["tabel_2"]
    rates = {by: register_rates(data, by, list(cfg["voorzieningen"])) for by in (None, "geslacht", "herkomst")}
    rows = []
    for v in cfg["voorzieningen"]:
        for label, by, code in cfg["groups"]:
            r = rates[by]
            r = r[(r["voorziening"] == v) & (r["groep"] == (code or "totaal"))]
            rows.append({"voorziening": VOORZIENINGEN[v], "groep": label,
                         **{p: float(r.loc[r["periode"] == p, "aandeel"].iloc[0]) for p in PERIODS}})
    return pd.DataFrame(rows)


def start_counts(data: Data, months) -> dict[str, int]:
    """Numbers of started provisions per type in ``months`` (YYYY-MM strings)."""
    counts = data.starts.loc[data.starts["startmaand"].isin(list(months)), "voorziening"].value_counts()
    return {v: int(counts.get(v, 0)) for v in VOORZIENINGEN}


def figuur_3(data: Data) -> pd.DataFrame:
    """Numbers of started provisions per type, year before and year after the pandemic began."""
    rows = []
    for period in PERIODS:
        counts = start_counts(data, _period_months(data, period).astype(str))
        for v, label in VOORZIENINGEN.items():
            rows.append({"voorziening": label, "periode": data.edition["periods"][period]["label"],
                         "aantal": counts[v], "n": counts[v]})
    frame = pd.DataFrame(rows)
    return sdc.suppress(frame, n_col="n", threshold=data.threshold, value_cols=("aantal",)).drop(columns="n")


def recovery_months(data: Data) -> dict[str, pd.PeriodIndex]:
    """The months of params' ``herstel`` (after the comparison year, the same months before the
    crisis, the first crisis months), checked against the register data."""
    herstel = data.choices["herstel"]
    months = {key: _months(herstel[key]) for key in ("na", "voor", "crisis")}
    available = {str(m) for m in data.starts["startmaand"].unique()}
    for key, index in months.items():
        lacking = [str(m) for m in index if str(m) not in available]
        if lacking:
            raise ValueError(f"{data.edition.path.name}: analysis.{CHAPTER}.herstel.{key} names months the register "
                             f"data ({SOURCE_STARTS}) does not cover: {', '.join(lacking)}")
    return months


def tabel_2_display(data: Data) -> pd.DataFrame:
    """Tabel 2 as printed: per provision a total row and rows per sex and origin."""
    t, periods, names = tabel_2(data), data.edition["periods"], LABELS["tabel_2_columns"]
    total = spec()["tabel_2"]["groups"][0][0]
    return pd.DataFrame({
        names["voorziening"]: np.where(t["groep"] == total, t["voorziening"], ""),
        names["groep"]: t["groep"],
        periods["voor"]["label"]: t["voor"].map(fmt.pct),
        periods["na"]["label"]: t["na"].map(fmt.pct),
    })


def _rate_figure(reg: Register, fid: str, row: pd.Series, label: str) -> tuple[Figure, Estimate]:
    """A register share as a figure (n = persons with a start, the cell disclosure control
    counts) and as an estimate on the group's size for the test."""
    fig = reg.figure(fid, float(row["aandeel"]), unit="share", n=int(row["met_start"]), label=label,
                     source=SOURCE_PERSONEN, register=False)
    return fig, Estimate.from_aggregate(float(row["aandeel"]), int(row["personen"]))


def _rate_row(rates: pd.DataFrame, voorziening: str, period: str, group) -> pd.Series:
    sel = rates[(rates["voorziening"] == voorziening) & (rates["periode"] == period) & (rates["groep"] == group)]
    if sel.empty:
        return pd.Series({"aandeel": np.nan, "met_start": 0, "personen": 0})
    return sel.iloc[0]


def _register(reg: Register, data: Data) -> None:
    periods = data.edition["periods"]
    totals = register_rates(data, None, list(spec()["tabel_2"]["voorzieningen"]), suppress=False)
    for v in spec()["tabel_2"]["voorzieningen"]:
        for period in PERIODS:
            row = _rate_row(totals, v, period, "totaal")
            reg.figure(f"tabel2_{v}_totaal_{period}", float(row["aandeel"]), unit="share", n=int(row["met_start"]),
                       label=f"{VOORZIENINGEN[v]}, {periods[period]['label']}", source=SOURCE_PERSONEN,
                       section="2.6", figure="tabel_2")
    cache: dict[str, pd.DataFrame] = {}

    def rates(by: str) -> pd.DataFrame:
        if by not in cache:
            cache[by] = register_rates(data, by, ["any", *VOORZIENINGEN], suppress=False)
        return cache[by]

    for c in spec()["register_comparisons"]:
        r = rates(c["by"])
        fa, ea = _rate_figure(reg, f"{c['id']}_a", _rate_row(r, c["voorziening"], "voor", c["a"]), c["a_label"])
        fb, eb = _rate_figure(reg, f"{c['id']}_b", _rate_row(r, c["voorziening"], "voor", c["b"]), c["b_label"])
        reg.comparison(c["id"], stats.compare_shares(ea, eb), a=fa, b=fb, source=SOURCE_PERSONEN, section="2.6",
                       label=f"Gestarte voorziening ({c['voorziening']}): {c['a_label']} tegen {c['b_label']}",
                       design="whole population (register); z-test on the group sizes")
    for c in spec()["register_changes"]:
        r = rates(c["by"])
        before, _ = _rate_figure(reg, f"{c['id']}_voor", _rate_row(r, c["voorziening"], "voor", c["group"]),
                                 f"{c['label']}, {periods['voor']['label']}")
        after, _ = _rate_figure(reg, f"{c['id']}_na", _rate_row(r, c["voorziening"], "na", c["group"]),
                                f"{c['label']}, {periods['na']['label']}")
        reg.change(c["id"], before, after, label=c["label"], source=SOURCE_PERSONEN, section="2.6")


def _count_figure(reg: Register, fid: str, value: int, label: str) -> Figure:
    return reg.figure(fid, int(value), n=int(value), label=label, source=SOURCE_STARTS, register=False)


def _starts(reg: Register, data: Data) -> None:
    """Figuur 3 (starts per provision, year after against year before the pandemic began) and
    the recovery (the months of params ``herstel``) as relative changes."""
    periods = data.edition["periods"]
    counts = {p: start_counts(data, _period_months(data, p).astype(str)) for p in PERIODS}
    down = 0
    for v, label in VOORZIENINGEN.items():
        chg = reg.change(f"chg_starts_{v}", _count_figure(reg, f"starts_{v}_voor", counts["voor"][v],
                                                          f"{label}, {periods['voor']['label']}"),
                         _count_figure(reg, f"starts_{v}_na", counts["na"][v], f"{label}, {periods['na']['label']}"),
                         label=label, source=SOURCE_STARTS, section="2.6")
        down += chg.direction == "down"
    reg.change("chg_starts_totaal",
               _count_figure(reg, "starts_voor", sum(counts["voor"].values()), periods["voor"]["label"]),
               _count_figure(reg, "starts_na", sum(counts["na"].values()), periods["na"]["label"]),
               label="Gestarte voorzieningen, alle soorten", source=SOURCE_STARTS, section="2.6")
    reg.count("starts_gedaald", down, len(VOORZIENINGEN), label="Soorten voorzieningen met minder starts",
              source=SOURCE_STARTS, section="2.6")

    months = recovery_months(data)
    recovered = {key: start_counts(data, index.astype(str)) for key, index in months.items()}
    below = 0
    for v, label in VOORZIENINGEN.items():
        chg = reg.change(f"chg_herstel_{v}", _count_figure(reg, f"herstel_{v}_voor", recovered["voor"][v], label),
                         _count_figure(reg, f"herstel_{v}_na", recovered["na"][v], label),
                         label=label, source=SOURCE_STARTS, section="2.6")
        below += chg.direction == "down"
    reg.count("herstel_onder_niveau", below, len(VOORZIENINGEN),
              label="Soorten voorzieningen met nog minder starts dan voor de crisis", source=SOURCE_STARTS,
              section="2.6")
    reg.change("chg_starts_herstel",
               _count_figure(reg, "starts_crisis", sum(recovered["crisis"].values()), "Starts, eerste crisismaanden"),
               _count_figure(reg, "starts_herstel", sum(recovered["na"].values()), "Starts, dezelfde maanden later"),
               label="Gestarte voorzieningen: herstel na de eerste crisismaanden", source=SOURCE_STARTS,
               section="2.6")


# --------------------------------------------------------------------------- register data of other sizes


def resample(personen: pd.DataFrame, starts: pd.DataFrame, n: int, seed: int, *, shuffle: bool = False
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` persons drawn with replacement from ``personen`` (new ids 1..n), each with a copy of
    the starts of the person drawn, so that starts scale with the persons. ``shuffle`` puts both
    tables in random row order (nothing may depend on the files being sorted by persoon_id)."""
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(personen), n)
    out_p = personen.iloc[drawn].reset_index(drop=True)
    out_p["persoon_id"] = np.arange(1, n + 1, dtype="int64")
    row_of = pd.Series(np.arange(len(personen)), index=personen["persoon_id"].to_numpy())
    start_rows = row_of.reindex(starts["persoon_id"].to_numpy()).to_numpy()
    known = ~np.isnan(start_rows) if start_rows.dtype.kind == "f" else np.ones(len(start_rows), bool)
    start_rows = start_rows[known].astype("int64")
    order = np.flatnonzero(known)[np.argsort(start_rows, kind="stable")]
    per_person = np.bincount(start_rows, minlength=len(personen))
    offsets = np.cumsum(per_person) - per_person
    counts = per_person[drawn]
    total = int(counts.sum())
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    out_s = starts.iloc[order[np.repeat(offsets[drawn], counts) + within]].reset_index(drop=True)
    out_s["persoon_id"] = np.repeat(out_p["persoon_id"].to_numpy(), counts)
    if shuffle:
        out_p = out_p.iloc[rng.permutation(len(out_p))].reset_index(drop=True)
        out_s = out_s.iloc[rng.permutation(len(out_s))].reset_index(drop=True)
    return out_p, out_s


def write(frame: pd.DataFrame, path: Path, row_group_size: int | None = None) -> Path:
    """``frame`` as a Parquet file as synth writes them (zstd), optionally in row groups."""
    frame.to_parquet(path, index=False, compression="zstd", row_group_size=row_group_size)
    return path
