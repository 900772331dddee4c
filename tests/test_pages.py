"""The pages around the chapters (spiegel.render.pages): Hoofdboodschap, Samenvatting, Inleiding,
Naschrift, Bijlage and Literatuur, filled from the chapters' registers.

The registers are computed from the data as a chapter run computes them (``module.findings``), and
the expected numbers are computed here from the data files with plain pandas."""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from spiegel import fmt
from spiegel.chapter import module_for
from spiegel.params import Edition, load_params
from spiegel.render.pages import Book, PageError, fill_pages, methods_rows
from spiegel.text import numeral_sentence_starts, typed_count_words, typed_wording
from conftest import PARAMS, ROOT

EDITION = load_params(PARAMS)
CHAPTERS = [c.id for c in EDITION.chapters]


@pytest.fixture(scope="module")
def registers():
    """Every chapter's register, computed from the 2022 (synthetic) data."""
    out = {}
    for cid in CHAPTERS:
        module = module_for(cid)
        out[cid] = module.findings(module.load(EDITION.for_chapter(cid)))
    return out


def counted_rows(edition: Edition = EDITION) -> dict[str, int]:
    """Rows per source file, counted with pandas (what the validation counts in a build)."""
    return {sid: len(pd.read_csv(s.path)) if s.path.suffix == ".csv" else len(pd.read_parquet(s.path))
            for sid, s in edition.sources.items()}


ROWS = counted_rows()


@pytest.fixture(scope="module")
def pages(registers):
    return {p.id: p for p in fill_pages(EDITION, registers, ROWS)}


def with_raw(edition: Edition, change) -> Edition:
    """The edition with its params changed by ``change(raw)`` (not read from a file)."""
    raw = copy.deepcopy(edition.raw)
    change(raw)
    return Edition(path=edition.path, root=edition.root, raw=raw)


def only_chapters(edition: Edition, ids: set[str]) -> Edition:
    def change(raw):
        raw["chapters"] = [c for c in raw["chapters"] if c["id"] in ids]
        raw["analysis"] = {k: v for k, v in raw["analysis"].items() if k in ids}
    return with_raw(edition, change)


def prose(markdown: str) -> str:
    """The text with its line breaks as spaces (a filled placeholder may end a line)."""
    return re.sub(r"\s+", " ", markdown)


def weighted_share(frame: pd.DataFrame, column: str, codes) -> float:
    answered = frame[frame[column].notna()]
    return float(answered.loc[answered[column].isin(codes), "gewicht"].sum() / answered["gewicht"].sum())


def brede(data_dir: Path = ROOT / "data" / "2022") -> pd.DataFrame:
    frame = pd.read_csv(data_dir / "klanten_pw.csv")
    return frame[frame["steekproef"] == "brede_doelgroep"]


# --------------------------------------------------------------------------------------------
# the whole book


def test_the_pages_come_in_book_order_numbered_around_the_chapters(pages):
    assert list(pages) == ["hoofdboodschap", "samenvatting", "inleiding", "naschrift", "bijlage", "literatuur"]
    assert pages["inleiding"].number == 1 and pages["inleiding"].stem == "01_inleiding"
    assert pages["naschrift"].number == max(c.number for c in EDITION.chapters) + 1 == 7
    assert [p.number for p in pages.values() if p.id not in ("inleiding", "naschrift")] == [None] * 4
    for page in pages.values():
        for marker in ("[[", "]]", "[%", "%]", "[#"):
            assert marker not in page.markdown, (page.id, marker)
    assert pages["samenvatting"].title == "Samenvatting"
    assert pages["bijlage"].title == "Bijlage Bestuurlijke reacties UWV, Divosa en VNG"


def test_the_summaries_follow_the_house_style():
    for page in EDITION.book_pages:
        template = page.path.read_text("utf-8")
        assert typed_wording(template) == [], page.id
        assert typed_count_words(template) == [], page.id


def test_no_sentence_of_a_filled_page_starts_with_a_numeral(pages):
    for page in pages.values():
        assert numeral_sentence_starts(page.markdown) == [], page.id


def test_the_samenvatting_states_the_chapters_results_computed_from_the_data(pages):
    text = prose(pages["samenvatting"].markdown)
    frame = brede()
    cannot = weighted_share(frame, "arbeidsvermogen", ["toekomst", "nooit", "weet_niet"])
    assert cannot > 0.5
    assert "### Lang niet iedereen kan aan de slag" in pages["samenvatting"].markdown
    assert f"{fmt.fraction_phrase(cannot).capitalize()} van de bijstandsgerechtigden ({fmt.pct(cannot)}) zegt nu niet" in text
    debts = weighted_share(frame, "schulden", ["ja"])
    assert f"{fmt.fraction_phrase(debts).capitalize()} bijstandsgerechtigden ({fmt.pct(debts)}) zegt schulden" in text
    tozo = pd.read_csv(ROOT / "data" / "2022" / "tozo_klanten.csv")
    known = float(tozo.loc[tozo["bekend_minimaregelingen"].notna(), "bekend_minimaregelingen"].eq("ja").mean())
    assert f"Van de Tozo-ontvangers kent {fmt.fraction_phrase(1 - known)} de minimaregelingen niet" in text
    regios = pd.read_csv(ROOT / "data" / "2022" / "wsp_regio_metadata.csv")
    assert f"hoe de {len(regios)} arbeidsmarktregio's werkgevers bedienen" in text
    cited = yaml.safe_load((ROOT / "book" / "2022" / "cited.yml").read_text("utf-8"))["figures"]
    assert f"ruim {cited['ontvangers_ondersteuning']['value'] // 1_000_000} miljoen Nederlanders" in text
    assert "(Berenschot 2021)" not in text and "[@berenschot2021]" in text  # citeproc formats it at render time


def test_a_result_that_reverses_changes_the_number_and_the_wording(registers):
    """Most clients say they can work now: the Samenvatting's heading, number and wording follow,
    and so does the Hoofdboodschap."""
    module = module_for("gemeenten")
    scoped = EDITION.for_chapter("gemeenten")
    data = module.load(scoped)
    klanten = data.klanten.copy()
    rows = klanten.index[klanten["steekproef"] == "brede_doelgroep"]
    can_now = rows[: int(len(rows) * 0.7)]
    klanten.loc[can_now, "arbeidsvermogen"] = "nu"
    changed = dataclasses.replace(data, klanten=module.derive(klanten) if hasattr(module, "derive") else klanten)
    reversed_registers = {**registers, "gemeenten": module.findings(changed)}
    pages = {p.id: p for p in fill_pages(EDITION, reversed_registers, ROWS)}

    cannot = weighted_share(klanten[klanten["steekproef"] == "brede_doelgroep"], "arbeidsvermogen",
                            ["toekomst", "nooit", "weet_niet"])
    assert cannot < 0.5
    summary = pages["samenvatting"].markdown
    assert "### De meeste bijstandsgerechtigden kunnen aan de slag" in summary
    assert "Lang niet iedereen" not in summary
    phrase = fmt.fraction_phrase(cannot)
    expected = (f"{phrase} bijstandsgerechtigden ({fmt.pct(cannot)})" if " op de " in phrase
                else f"{phrase} van de bijstandsgerechtigden ({fmt.pct(cannot)})")
    assert expected[0].upper() + expected[1:] + " zegt nu niet" in prose(summary)
    key = prose(pages["hoofdboodschap"].markdown)
    assert "Tegelijk kan lang niet iedereen in de bijstand aan het werk" not in key
    assert f"zegt nu te kunnen werken ({fmt.pct(1 - cannot)})" in key


def test_a_chapter_left_out_of_the_params_leaves_its_part_of_the_summary_out(registers):
    edition = only_chapters(EDITION, {"gemeenten", "uwv", "wsp"})
    kept = {k: v for k, v in registers.items() if k in {"gemeenten", "uwv", "wsp"}}
    pages = {p.id: p for p in fill_pages(edition, kept, ROWS)}
    summary, key = prose(pages["samenvatting"].markdown), prose(pages["hoofdboodschap"].markdown)
    assert "## Uitvoering van de re-integratiedienstverlening" in pages["samenvatting"].markdown
    assert "Uitvoering van de inkomensondersteuning" not in summary
    assert "Tozo" not in summary and "Tozo" not in key and "inkomensondersteuning door gemeenten" not in summary
    assert "Inkomensondersteuning: niet voor iedereen" not in key
    inleiding = pages["inleiding"].markdown
    assert "Hoofdstuk 4:" in inleiding and "Hoofdstuk 5:" not in inleiding
    assert "Inventarisatie minimabeleid" not in inleiding  # the method table lists the chapters' sources only
    assert pages["naschrift"].number == 5 and pages["naschrift"].stem == "05_naschrift"

    only_income = only_chapters(EDITION, {"inkomen"})
    pages = {p.id: p for p in fill_pages(only_income, {"inkomen": registers["inkomen"]}, ROWS)}
    summary = pages["samenvatting"].markdown
    assert "re-integratiedienstverlening" not in summary and "## Uitvoering van de inkomensondersteuning" in summary
    assert "Tozo-ontvangers" not in summary


def test_a_finding_of_a_chapter_not_in_the_edition_must_be_guarded(tmp_path, registers):
    page = tmp_path / "extra.md"
    page.write_text("# Extra\n\nVan de Tozo-ontvangers kent [[ tozo.bekend_minimaregelingen | pct ]] ze.\n", "utf-8")

    def change(raw):
        raw["chapters"] = [c for c in raw["chapters"] if c["id"] != "tozo"]
        raw["analysis"].pop("tozo")
        raw["book"] = {"front": [{"file": str(page)}]}
    edition = with_raw(EDITION, change)
    kept = {k: v for k, v in registers.items() if k != "tozo"}
    with pytest.raises(PageError, match=r"extra\.md.*chapter 'tozo' is not in this edition.*\[% if tozo %\]"):
        fill_pages(edition, kept)
    page.write_text("# Extra\n\n[% if tozo %]Van de Tozo-ontvangers kent [[ tozo.bekend_minimaregelingen | pct ]] ze."
                    "[% endif %]Einde.\n", "utf-8")
    assert fill_pages(edition, kept)[0].markdown.strip().endswith("Einde.")


@pytest.mark.parametrize("text, needle", [
    ("[% if false %][[ gemeenten.kan_nu_werkn_klant | pct ]][% endif %]",
     r"unknown finding 'gemeenten.kan_nu_werkn_klant' \(nearest known ids: kan_nu_werken_klant"),
    ("Ruim 40% van de klanten.", r"number\(s\) typed in the text: 40"),
    ("[[ cited.onbekend | pct ]]", r"unknown finding 'cited.onbekend'"),
    ("[[ gemeenten.kan_nu_werken_klant | pct ]", r"extra\.md"),
    ("[[ wsp.aantal_arbeidsmarktregios | pct ]]", r"filter 'pct' needs"),
])
def test_a_wrong_placeholder_stops_with_the_file_to_edit(tmp_path, registers, text, needle):
    page = tmp_path / "extra.md"
    page.write_text(f"# Extra\n\n{text}\n", "utf-8")
    edition = with_raw(EDITION, lambda raw: raw.update(book={"front": [{"file": str(page)}]}))
    with pytest.raises(PageError, match=needle) as err:
        fill_pages(edition, registers)
    assert "extra.md" in str(err.value)


def test_a_page_without_a_title_is_refused(tmp_path, registers):
    page = tmp_path / "extra.md"
    page.write_text("Geen kop.\n", "utf-8")
    edition = with_raw(EDITION, lambda raw: raw.update(book={"back": [{"file": str(page)}]}))
    with pytest.raises(PageError, match="first-level heading"):
        fill_pages(edition, registers)


# --------------------------------------------------------------------------------------------
# the method overview


def test_the_method_overview_counts_the_validated_files():
    counted = ROWS
    rows = {r["bron"]: r for r in methods_rows(EDITION, counted)}
    assert len(rows) == len(EDITION.sources)  # every source is used by a listed chapter
    survey = rows[EDITION.sources["klanten_pw"].title]
    assert survey["aantal"] == f"{fmt.number(counted['klanten_pw'])} respondenten"
    assert survey["hoofdstuk"] == "2 en 5" and survey["respons"] == "onbekend" and survey["veldwerk"] == "medio 2021"
    regions = rows[EDITION.sources["wsp_regios"].title]
    assert regions["respons"] == fmt.pct(counted["wsp_regios"] / 35)
    assert rows[EDITION.sources["uwv_populatie"].title]["aantal"] == "geaggregeerde cijfers"
    households = rows[EDITION.sources["cbs_niet_gebruik"].title]
    assert households["aantal"] == f"{fmt.number(counted['cbs_niet_gebruik'])} huishoudens"


def test_the_method_overview_hides_a_count_below_the_threshold():
    counted = {sid: 3 if sid == "klantmanagers_pw" else 500 for sid in EDITION.sources}
    rows = {r["bron"]: r for r in methods_rows(EDITION, counted)}
    small = rows[EDITION.sources["klantmanagers_pw"].title]
    assert small["aantal"] == f"minder dan {EDITION.disclosure_threshold} respondenten" and small["respons"] == "–"
    assert "3" not in small["aantal"]


def test_the_method_overview_needs_the_validation():
    with pytest.raises(PageError, match="validation.json"):
        methods_rows(EDITION, {})


# --------------------------------------------------------------------------------------------
# the Bijlage


def test_the_bijlage_prints_each_reaction_with_its_date_reference_and_example_mark(pages):
    text = pages["bijlage"].markdown
    heads = re.findall(r"^## Reactie van (.+?) \{", text, flags=re.M)
    assert heads == [r.organisation for r in EDITION.reactions] == ["UWV", "Divosa", "VNG"]
    assert "Datum: 3 november 2022 · Kenmerk: VOORBEELD-UWV-1" in text
    assert "Datum: 5 oktober 2022\n" in text  # no reference given
    assert text.count("::: {.sp-example-note}") == 3
    assert "### Herkenning {.unnumbered}" in text  # the letter's own headings sit below the reaction's


def test_a_real_reaction_is_not_marked_as_an_example(tmp_path, registers):
    letter = tmp_path / "reactie.md"
    letter.write_text("Geachte heer,\n\nWij reageren graag.\n", "utf-8")

    def change(raw):
        raw["book"] = {"reactions": [{"organisation": "SVB", "date": "2022-10-01", "file": str(letter)}]}
    pages = fill_pages(with_raw(EDITION, change), registers)
    assert [p.id for p in pages] == ["bijlage"]
    assert "sp-example-note" not in pages[0].markdown and "Wij reageren graag." in pages[0].markdown
    assert pages[0].title == "Bijlage Bestuurlijke reacties SVB"


def test_a_citation_the_bibliography_lacks_stops_the_render(tmp_path):
    from spiegel.render.book import citeproc_args, run_pandoc
    from spiegel.render.errors import RenderError

    page = tmp_path / "p.md"
    bibliography = EDITION.book_file("bibliography")
    page.write_text("# P\n\nZie [@nibud2021].\n", "utf-8")
    run_pandoc(["-f", "markdown", str(page), "-t", "html5", "-o", str(tmp_path / "p.html"),
                *citeproc_args(bibliography)], cwd=tmp_path, context=None, what="p")
    assert "(Nibud 2021)" in re.sub(r"\s+", " ", (tmp_path / "p.html").read_text("utf-8"))
    page.write_text("# P\n\nZie [@nibud2012] en [@onbekend].\n", "utf-8")
    with pytest.raises(RenderError, match=r"p: cites @nibud2012, @onbekend, which the bibliography"):
        run_pandoc(["-f", "markdown", str(page), "-t", "html5", "-o", str(tmp_path / "p.html"),
                    *citeproc_args(bibliography)], cwd=tmp_path, context=None, what="p")


def test_every_work_in_the_bibliography_is_cited_somewhere():
    """The Literatuur lists the whole bibliography (nocite @*), so each entry must be cited."""
    entries = [e["id"] for e in yaml.safe_load(EDITION.book_file("bibliography").read_text("utf-8"))["references"]]
    texts = [p.path.read_text("utf-8") for p in EDITION.book_pages]
    for chapter in EDITION.chapters:
        texts.append(chapter.notebook.read_text("utf-8"))
    cited = set(re.findall(r"@([A-Za-z][\w:.\-]*[\w])", "\n".join(texts)))
    assert set(entries) <= cited, sorted(set(entries) - cited)
