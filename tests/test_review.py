"""The reviewer's overview between two editions (issue 14 item 4, ``spiegel review`` / ``make
review``): the sentence diff on hand-made texts, the params flattening and the defaults; then both
editions built once in a project copy, and what the overview lists checked against plain pandas
on the data files, the built HTML pages and the params files themselves."""

from __future__ import annotations

import hashlib
import html as htmllib
import json
import math
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from conftest import nested_env
from scipy.stats import norm
from test_build import make

from project_copy import copy_project
from spiegel import fmt
from spiegel.findings import Figure
from spiegel.review import (
    ReviewError,
    _figure_row,
    choose_editions,
    compare_contracts,
    compare_params,
    compare_sources,
    diff_sentences,
    mask_numbers,
    output_paths,
    sentences,
)

AGREE = ["helemaal_eens", "eens"]


# ----------------------------------------------------------------------------- unit: sentences


@pytest.mark.parametrize(("old", "new"), [
    ("Daarnaast beantwoordden 106 klantmanagers een vragenlijst.", "Daarnaast beantwoordden 150 klantmanagers een vragenlijst."),
    ("Het aandeel is 57,3% (n = 1.234).", "Het aandeel is 61,0% (n = 987)."),
    ("Achttien van de vierendertig regio's doen mee.", "Twintig van de vierendertig regio's doen mee."),
    ("Eén op de drie klanten (33%) heeft geen gesprek.", "Ruim de helft van de klanten (52%) heeft geen gesprek."),
    ("Vier op de tien ondernemers (40%) bouwde schulden op.", "Zesenveertig procent van de ondernemers bouwde schulden op."),
    ("In 2022 steeg het met 3 procentpunt.", "In 2023 steeg het met 1 procentpunt."),
])
def test_sentences_that_differ_only_in_numbers_are_not_listed(old, new):
    assert mask_numbers(old) == mask_numbers(new)
    assert diff_sentences([old], [new]) == []


@pytest.mark.parametrize(("old", "new"), [
    ("Mannen doen dat vaker dan vrouwen (25% tegen 16%).", "Mannen en vrouwen verschillen niet significant (23% tegen 18%)."),
    ("Het oordeel is stabiel sinds 2014.", "Het oordeel is gestegen sinds 2017."),
    ("Klanten zijn somberder dan hun klantmanagers.", "Klanten zijn positiever dan hun klantmanagers."),
])
def test_a_sentence_whose_words_changed_is_listed_old_to_new(old, new):
    before = ["Een gelijke zin.", old, "Nog een gelijke zin met 12% erin."]
    after = ["Een gelijke zin.", new, "Nog een gelijke zin met 14% erin."]
    changes = diff_sentences(before, after, "gemeenten", "2 Gemeenten")
    assert [(c.kind, c.old, c.new, c.page) for c in changes] == [("gewijzigd", old, new, "gemeenten")]


def test_removed_and_added_sentences_are_listed_in_text_order():
    before = ["Eerste zin.", "Deze zin vervalt in zijn geheel, want het item is niet meer gevraagd.", "Laatste zin."]
    after = ["Eerste zin.", "Laatste zin.", "Een heel nieuwe bevinding over digitaal contact."]
    changes = diff_sentences(before, after)
    assert [(c.kind, c.old, c.new) for c in changes] == [
        ("vervallen", before[1], None), ("nieuw", None, after[2])]
    assert diff_sentences(before, before) == []


def test_sentences_are_read_from_filled_markdown_without_markup_or_soft_hyphens():
    md = ("# Re\u00adintegratie {#sec-x}\n\nDe eerste zin staat in @fig-arbeidsvermogen. De **tweede** zin "
          "[loopt](https://x.nl) door\nop een nieuwe regel.\n\n- Een punt van een lijst.\n\n"
          "| a | b |\n|---|---|\n| 1 | 2 |\n\n::: note\nBron: CBS.\n:::\n\n```{=html}\n<b>x</b>\n```\n")
    assert sentences(md) == ["Reintegratie", "De eerste zin staat in Figuur.",
                             "De tweede zin loopt door op een nieuwe regel.", "Een punt van een lijst.",
                             "Bron: CBS."]


# ----------------------------------------------------------------------------- unit: inputs


def test_params_keys_that_differ_are_flattened_and_equal_ones_left_out():
    old = {"edition": 2022, "seed": 1, "disclosure_threshold": 10, "waves": {"current": 2021, "earlier": [2014, 2017]},
           "sources": {"a": {"file": "data/2022/a.csv"}}, "gone": True}
    new = {"edition": 2023, "seed": 2, "disclosure_threshold": 10, "waves": {"current": 2022, "earlier": [2017, 2019]},
           "sources": {"a": {"file": "data/2023/a.csv"}}, "added": "x"}
    got = {k.key: (k.old, k.new) for k in compare_params(old, new)}
    assert got == {"edition": ("2022", "2023"), "seed": ("1", "2"), "waves.current": ("2021", "2022"),
                   "waves.earlier[0]": ("2014", "2017"), "waves.earlier[1]": ("2017", "2019"),
                   "sources.a.file": ("data/2022/a.csv", "data/2023/a.csv"), "added": (None, "x"),
                   "gone": ("true", None)}
    assert compare_params(old, old) == []


def test_sources_whose_file_sha_or_rows_differ(tmp_path):
    def built(folder, data, rows):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "validation.json").write_text(json.dumps(
            {"datasets": [{"dataset": k, "rows": v} for k, v in rows.items()]}), encoding="utf-8")
        return SimpleNamespace(manifest={"data": data}, edition=SimpleNamespace(build_dir=tmp_path / folder))

    same = {"file": "data/x.csv", "sha256": "a" * 64}
    old = built("old", {"x": same, "y": {"file": "data/2022/y.csv", "sha256": "b" * 64}, "z": same},
                {"x": 10, "y": 5, "z": 7})
    new = built("new", {"x": same, "y": {"file": "data/2023/y.csv", "sha256": "c" * 64}, "z": same},
                {"x": 10, "y": 5, "z": 8})
    got = {s.source: s.differs for s in compare_sources(old, new)}
    assert got == {"y": ["bestand", "sha256"], "z": ["rijen"]}


def test_contracts_whose_file_or_rules_for_the_edition_differ(tmp_path):
    (tmp_path / "data_contracts").mkdir()
    columns = {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["id", "oud"], "exact_match": True}}
    codes = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "oud", "value_set": ["ja", "nee"]}}
    new_rule = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "nieuw"}}
    contracts = {
        "plain": {"name": "plain", "expectations": [columns]},
        "moved": {"name": "moved", "expectations": [columns, codes],
                  "editions": {2023: {"columns_dropped": ["oud"], "columns_added": ["nieuw"], "expectations": [new_rule]}}},
        "edited": {"name": "edited", "expectations": [columns]},
    }
    for name, spec in contracts.items():
        (tmp_path / "data_contracts" / f"{name}.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")

    def built(year, shas):
        return SimpleNamespace(year=year, manifest={"contracts": {k: {"file": f"data_contracts/{k}.yml", "sha256": v}
                                                                  for k, v in shas.items()}},
                               edition=SimpleNamespace(root=tmp_path, raw={"sources": {k: {"contract": k} for k in shas}}))

    old = built(2022, {"plain": "a" * 64, "moved": "b" * 64, "edited": "c" * 64})
    new = built(2023, {"plain": "a" * 64, "moved": "b" * 64, "edited": "d" * 64})
    got = {c.source: c for c in compare_contracts(old, new)}
    assert set(got) == {"moved", "edited"}
    moved = got["moved"]
    assert (moved.columns_added, moved.columns_dropped) == (["nieuw"], ["oud"])
    assert moved.rules_added == ["expect_column_values_to_not_be_null(nieuw)"]
    assert moved.rules_dropped == ["expect_column_values_to_be_in_set(oud)"]
    assert moved.rules_changed == ["expect_table_columns_to_match_set"] and moved.old_sha256 == moved.new_sha256
    assert "editions.2023" in moved.editions_section
    edited = got["edited"]
    assert (edited.old_sha256, edited.new_sha256) == ("c" * 64, "d" * 64) and not edited.columns_added


def test_the_default_editions_are_the_newest_and_the_one_before(tmp_path):
    (tmp_path / "params").mkdir()
    for year in (2021, 2022, 2024):
        (tmp_path / "params" / f"{year}.yml").write_text("edition: 1\n", encoding="utf-8")
    assert choose_editions(tmp_path, None, None) == (2022, 2024)
    assert choose_editions(tmp_path, None, 2022) == (2021, 2022)
    assert choose_editions(tmp_path, 2021, None) == (2021, 2024)
    for old, new, said in ((None, 2021, "no edition before 2021"), (2020, None, "no edition 2020"),
                           (2022, 2022, "both 2022")):
        with pytest.raises(ReviewError, match=said):
            choose_editions(tmp_path, old, new)


def test_a_share_is_tested_with_its_effective_sample_sizes():
    def fig(value, n):
        return Figure(id="x", label="x", unit="share", value=value, ci_low=value - 0.03, ci_high=value + 0.03, n=n,
                      n_eff=n * 0.8)

    moved = _figure_row("c", "x", "x", fig(0.40, 700), fig(0.48, 700), 0.05, 0.0, 0.95, 0.95)
    still = _figure_row("c", "x", "x", fig(0.40, 700), fig(0.41, 700), 0.05, 0.0, 0.95, 0.95)
    for row, a, b in ((moved, 0.40, 0.48), (still, 0.40, 0.41)):
        pooled = (a + b) / 2
        z = (b - a) / math.sqrt(pooled * (1 - pooled) * 2 / 560)
        assert row.p_value == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    assert moved.significant and moved.moved and not still.significant and not still.moved
    count = _figure_row("c", "n", "n", Figure(id="n", unit="count", value=106),
                        Figure(id="n", unit="count", value=150), 0.05, 0.03, 0.95, 0.95)
    assert count.change == pytest.approx(150 / 106 - 1) and count.moved and count.significant is None


def test_the_overview_is_never_written_into_an_editions_book_or_build(tmp_path):
    rv = SimpleNamespace(old=2022, new=2023)
    assert output_paths(tmp_path, rv, None)["html"] == (tmp_path / "_book" / "review-2022-2023.html").resolve()
    assert output_paths(tmp_path, rv, tmp_path / "elders")["md"] == (tmp_path / "elders" / "review-2022-2023.md").resolve()
    for inside in ("_book/2022", "_book/2023/x.html", "build/2023/2023-abc"):
        with pytest.raises(ReviewError, match="outside every edition"):
            output_paths(tmp_path, rv, tmp_path / inside)


# ----------------------------------------------------------------------------- both editions built


def _spiegel_review(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(project / ".venv" / "bin" / "spiegel"), "review", *args], cwd=project,
                          capture_output=True, text=True, timeout=600, env=nested_env())


def _snapshot(project: Path) -> dict[str, str]:
    """sha256 and mtime of every file (and link) in both editions' books and build states."""
    out = {}
    for folder in ("_book/2022", "_book/2023", "build/2022", "build/2023"):
        for path in sorted((project / folder).rglob("*")):
            if path.is_symlink():
                out[str(path)] = "link " + str(path.readlink())
            elif path.is_file():
                out[str(path)] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mtime_ns}"
    return out


@pytest.fixture(scope="module")
def reviewed(root, tmp_path_factory):
    """A project copy: `spiegel review` before anything is built and with 2022 only, then both
    editions built (`make report EDITION=2022`, `EDITION=2023`) and `make review FROM=2022 TO=2023`."""
    project = copy_project(root, tmp_path_factory.mktemp("spiegel-review"))
    none_built = _spiegel_review(project, "--from", "2022", "--to", "2023")
    none_built.written = sorted(p.name for p in project.glob("_book/review-*"))
    for year in (2022, 2023):
        result = make(project, "report", f"EDITION={year}")
        assert result.returncode == 0, result.stdout + result.stderr
        if year == 2022:
            only_2022 = _spiegel_review(project)
            make_only_2022 = make(project, "review", "EDITION=2022")
    before = _snapshot(project)
    result = make(project, "review", "FROM=2022", "TO=2023", "EDITION=2022")
    assert result.returncode == 0, result.stdout + result.stderr
    after = _snapshot(project)
    doc = json.loads((project / "_book" / "review-2022-2023.json").read_text("utf-8"))
    md = (project / "_book" / "review-2022-2023.md").read_text("utf-8")
    return SimpleNamespace(project=project, none_built=none_built, only_2022=only_2022, make_only_2022=make_only_2022,
                           before=before, after=after, doc=doc, md=md, stdout=result.stdout)


def _section(md: str, heading: str) -> str:
    return md.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def _row(rows: list[dict], fid: str, chapter: str | None = None) -> dict:
    found = [r for r in rows if r["id"] == fid and (chapter is None or r["chapter"] == chapter)]
    assert len(found) == 1, (fid, chapter, found)
    return found[0]


def _csv(project: Path, year: int, name: str) -> pd.DataFrame:
    return pd.read_csv(project / "data" / str(year) / name)


def _wshare(frame: pd.DataFrame, column: str, positive: list[str]) -> tuple[float, float]:
    """The weighted share of ``positive`` among the answers, and Kish's effective n."""
    answered = frame[frame[column].notna()]
    w = answered["gewicht"]
    return float((w * answered[column].isin(positive)).sum() / w.sum()), float(w.sum() ** 2 / (w ** 2).sum())


@pytest.mark.integration
def test_an_edition_not_built_is_named_with_the_make_report_to_run(reviewed):
    r = reviewed.none_built
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "edition 2022 is not built" in r.stderr and "run: make report EDITION=2022" in r.stderr
    assert "run: make report EDITION=2023" in r.stderr
    r = reviewed.only_2022  # defaults: --to the newest (2023), --from the one before
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "run: make report EDITION=2023" in r.stderr and "EDITION=2022" not in r.stderr
    assert reviewed.make_only_2022.returncode == 2 and "make report EDITION=2023" in reviewed.make_only_2022.stderr
    assert reviewed.none_built.written == []  # nothing written when an edition is not built


@pytest.mark.integration
def test_a_key_figure_has_the_old_and_new_value_plain_pandas_computes(reviewed):
    project, rows = reviewed.project, reviewed.doc["figures"]
    brede = {y: (k := _csv(project, y, "klanten_pw.csv"))[k["steekproef"] == "brede_doelgroep"] for y in (2022, 2023)}
    (old, n_old), (new, n_new) = (_wshare(brede[y], "te_weinig_gesprekken", ["ja"]) for y in (2022, 2023))
    row = _row(rows, "te_weinig_persoonlijke_gesprekken", "gemeenten")
    assert row["old"] == pytest.approx(old, abs=1e-6) and row["new"] == pytest.approx(new, abs=1e-6)
    pooled = (old * n_old + new * n_new) / (n_old + n_new)
    z = (new - old) / math.sqrt(pooled * (1 - pooled) * (1 / n_old + 1 / n_new))
    assert row["p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-3) and row["significant"] is (row["p_value"] < 0.05)
    moved = _section(reviewed.md, "Kerncijfers die meer bewogen dan hun onzekerheid")
    line = next(x for x in moved.splitlines() if "(te_weinig_persoonlijke_gesprekken)" in x)
    assert f"| {fmt.pct(old, 1)} | {fmt.pct(new, 1)} | +{fmt.pp(new - old, 1)} |" in line and "| ja |" in line
    assert line.endswith(f"| {fmt.number(row['old_ci'][0] * 100, 1)}–{fmt.pct(row['old_ci'][1], 1)} "
                         f"| {fmt.number(row['new_ci'][0] * 100, 1)}–{fmt.pct(row['new_ci'][1], 1)} |")
    # a count: relative change
    n_km = [len(_csv(project, y, "klantmanagers_pw.csv")) for y in (2022, 2023)]
    row = _row(rows, "n_klantmanagers_vragenlijst")
    assert (row["old"], row["new"]) == tuple(n_km) and row["change"] == pytest.approx(n_km[1] / n_km[0] - 1)
    assert f"| {n_km[0]} | {n_km[1]} | +{fmt.pct(n_km[1] / n_km[0] - 1, 1)} |" in moved
    # a share of both tozo editions, agreeing answers
    (old, _), (new, _) = (_wshare(_csv(project, y, "tozo_klanten.csv"), "info_duidelijk", AGREE) for y in (2022, 2023))
    row = _row(rows, "informatie_duidelijk", "tozo")
    assert row["old"] == pytest.approx(old, abs=1e-6) and row["new"] == pytest.approx(new, abs=1e-6)
    # what did not move is not in the list of moves, but in the full table
    listed = {(line.split(" | ")[0].strip("| "), re.search(r"\((\w+)\) \|", line).group(1))
              for line in moved.splitlines() if line.startswith("| ") and not line.startswith("| Hoofdstuk")}
    assert listed == {(r["chapter"], r["id"]) for r in rows if r["moved"]}
    for r in rows:
        assert r["moved"] == (r["significant"] if r["significant"] is not None else r["moved"])
    assert not _row(rows, "tabel1_vrouwen")["moved"] and "(tabel1_vrouwen)" in _section(reviewed.md, "Alle kerncijfers in beide edities")


@pytest.mark.integration
def test_the_designed_flips_and_the_dropped_item_are_listed(reviewed):
    conclusions = {c["id"]: c for c in reviewed.doc["conclusions"]}
    assert conclusions["cmp_rekening_golf"]["old_significant"] is False
    assert conclusions["cmp_rekening_golf"]["new_significant"] is True
    assert conclusions["cmp_behoefte_zoeken_werk_golf"]["old_significant"] is True
    assert conclusions["cmp_behoefte_zoeken_werk_golf"]["new_significant"] is False
    assert conclusions["trend_te_weinig_gesprekken"]["old"].startswith("geen trend")
    assert conclusions["trend_te_weinig_gesprekken"]["new"].startswith("stijgend")
    section = _section(reviewed.md, "Toetsen en trends met een andere uitkomst")
    line = next(x for x in section.splitlines() if "(cmp_rekening_golf," in x)
    assert "| lager, niet significant" in line and "| hoger, significant" in line
    withheld = {w["id"]: w for w in reviewed.doc["withheld"] + reviewed.doc["only_one"]}
    assert withheld["contactmomenten_afgenomen_corona"]["new"] == "niet gevraagd in 2023"
    assert withheld["contactmomenten_afgenomen_corona"]["old"].endswith("%")
    k = _csv(reviewed.project, 2023, "klanten_pw.csv")
    digital, _ = _wshare(k[k["steekproef"] == "brede_doelgroep"], "contact_digitaal", ["ja"])
    assert (withheld["contact_digitaal_klant"]["old"], withheld["contact_digitaal_klant"]["new"]) == ("—", fmt.pct(digital, 1))
    section = _section(reviewed.md, "Cijfers die in één editie ontbreken of niet getoond worden")
    assert "(contactmomenten_afgenomen_corona) |" in section and "| niet gevraagd in 2023 |" in section
    # figures shown in both editions are not in this list
    assert "te_weinig_persoonlijke_gesprekken" not in withheld


def _visible(project: Path, year: int, page: str) -> str:
    text = (project / "_book" / str(year) / page).read_text("utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", text)).replace("\xad", "").split())


@pytest.mark.integration
def test_a_sentence_whose_wording_changed_is_listed_and_one_that_changed_in_numbers_is_not(reviewed):
    project, changes = reviewed.project, reviewed.doc["sentences"]
    p22, p23 = _visible(project, 2022, "02_gemeenten.html"), _visible(project, 2023, "02_gemeenten.html")
    # the test of men against women flipped: other words
    m22 = re.search(r"Mannen doen dat vaker dan vrouwen \(\d+ ?% tegen \d+ ?%\)\.", p22)
    m23 = re.search(r"Mannen en vrouwen verschillen daarin niet significant \(\d+ ?% tegen \d+ ?%\)\.", p23)
    assert m22 and m23
    pair = [c for c in changes if c["old"] and c["old"].startswith("Mannen doen dat vaker dan vrouwen")]
    assert len(pair) == 1 and pair[0]["kind"] == "gewijzigd" and pair[0]["page"] == "gemeenten"
    assert pair[0]["old"].replace(" ", "") == m22.group(0).replace(" ", "")
    assert pair[0]["new"].replace(" ", "") == m23.group(0).replace(" ", "")
    # only the number of klantmanagers changed (106 -> 150): not listed
    n22, n23 = (len(_csv(project, y, "klantmanagers_pw.csv")) for y in (2022, 2023))
    assert n22 != n23
    assert f"Daarnaast beantwoordden {n22} klantmanagers van verschillende gemeenten een vragenlijst" in p22
    assert f"Daarnaast beantwoordden {n23} klantmanagers van verschillende gemeenten een vragenlijst" in p23
    assert not [c for c in changes if "beantwoordden" in (c["old"] or "") + (c["new"] or "")]
    # the dropped item's sentence is gone from the 2023 text
    assert "minder contactmomenten" in p22 and "minder contactmomenten" not in p23
    assert [c["kind"] for c in changes if "minder contactmomenten" in (c["old"] or "")] == ["vervallen"]
    # a page around the chapters: the Samenvatting's sentences are compared too
    for c in changes:
        assert mask_numbers(c["old"] or "") != mask_numbers(c["new"] or "")
    assert {c["page"] for c in changes} >= {"gemeenten", "pagina bijlage"}


@pytest.mark.integration
def test_params_contracts_and_sources_that_changed(reviewed):
    project = reviewed.project
    raw = {y: yaml.safe_load((project / "params" / f"{y}.yml").read_text("utf-8")) for y in (2022, 2023)}
    params = {k["key"]: k for k in reviewed.doc["params"]}
    assert (params["seed"]["old"], params["seed"]["new"]) == (str(raw[2022]["seed"]), str(raw[2023]["seed"]))
    assert params["publication_date"]["new"] == str(raw[2023]["publication_date"])
    assert params["sources.klanten_pw.file"]["new"] == raw[2023]["sources"]["klanten_pw"]["file"]
    assert raw[2022]["disclosure_threshold"] == raw[2023]["disclosure_threshold"]
    assert "disclosure_threshold" not in params and "statistics.alpha" not in params
    section = _section(reviewed.md, "Gewijzigde parameters")
    assert f"| seed | {raw[2022]['seed']} | {raw[2023]['seed']} |" in section and "disclosure_threshold" not in section
    contracts = {c["source"]: c for c in reviewed.doc["contracts"]}
    editions = yaml.safe_load((project / "data_contracts" / "klanten_pw.yml").read_text("utf-8"))["editions"][2023]
    assert contracts["klanten_pw"]["columns_added"] == editions["columns_added"]
    assert contracts["klanten_pw"]["columns_dropped"] == editions["columns_dropped"]
    assert "uwv_klanten" not in contracts  # no editions: section, same file in both books
    assert "+ contact_digitaal; − contact_afgenomen_corona" in _section(reviewed.md, "Gewijzigde datacontracten")
    sources = {s["source"]: s for s in reviewed.doc["sources"]}
    km = sources["klantmanagers_pw"]
    assert (km["old_rows"], km["new_rows"]) == tuple(len(_csv(project, y, "klantmanagers_pw.csv")) for y in (2022, 2023))
    for year, key in ((2022, "old_sha256"), (2023, "new_sha256")):
        assert km[key] == hashlib.sha256((project / "data" / str(year) / "klantmanagers_pw.csv").read_bytes()).hexdigest()
    assert km["differs"] == ["bestand", "sha256", "rijen"]


@pytest.mark.integration
def test_reviewing_writes_beside_the_books_and_never_into_them(reviewed):
    project = reviewed.project
    assert reviewed.before == reviewed.after and reviewed.before
    page = (project / "_book" / "review-2022-2023.html").read_text("utf-8")
    assert "<h1>Wat veranderde tussen de edities 2022 en 2023</h1>" in page
    assert "<script" not in page and not re.search(r"""(src|href)=["']?https?:""", page)
    assert "<del>" in page and "<ins>" in page  # the words of a changed sentence that differ
    assert "_book/review-2022-2023.md" in reviewed.stdout
    refused = _spiegel_review(project, "--out", "_book/2023/review.html")
    assert refused.returncode == 2 and "outside every edition" in refused.stderr
    assert not (project / "_book" / "2023" / "review.html").exists()
    again = _spiegel_review(project)  # the defaults: the newest edition and the one before it
    assert again.returncode == 0 and "editions 2022 -> 2023" in again.stdout
    assert _snapshot(project) == reviewed.before
