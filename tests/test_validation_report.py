"""The published validation report (validation.html): Dutch, failures first with dataset, column,
rule, count and examples, passing rules summarised per source, no absolute paths, in the site."""

from __future__ import annotations

import re

import pytest

from spiegel.contracts import ROW_COUNT_RULES, format_failures, main_validate, validate_edition, write_reports
from spiegel.render import render_book

from test_contracts import Project, _set, valid_frames
from test_render import _svg_chart, chapter_three, chapter_two, make_edition


@pytest.fixture(scope="module")
def frames():
    return valid_frames(small=True)


@pytest.fixture
def broken(tmp_path, frames):
    """A project whose data breaks three rules, one file lying outside the project."""
    outside = tmp_path / "vertrouwelijk"
    outside.mkdir()
    project = Project(tmp_path / "project", frames)
    project.raw["sources"]["klanten_pw"]["file"] = str(outside / "klanten_pw.csv")
    project.files["klanten_pw"] = str(outside / "klanten_pw.csv")
    project.save_params()
    project.write("klanten_pw", _set(frames["klanten_pw"], "geslacht", "onbekend", rows=(3, 7)))
    km = frames["klantmanagers_pw"].copy()
    km.loc[5, "pct_kan_nooit"] = 0.0  # the three shares no longer add up to 100 (line 7)
    project.write("klantmanagers_pw", km)
    project.path("cbs_bijstand").unlink()
    result = validate_edition(project.edition(), skip=ROW_COUNT_RULES)
    assert not result.ok
    paths = write_reports(result, project.root / "build")
    return project, result, paths["html"].read_text("utf-8")


def _visible(html: str) -> str:
    html = re.sub(r"<style\b.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_failures_come_first_with_dataset_column_rule_count_and_examples(broken):
    _, result, html = broken
    assert '<html lang="nl">' in html
    assert "Validatie mislukt: 3 van de " in html
    failures = html.index('id="afwijkingen"')
    assert failures < html.index('id="bronnen"') < html.index('id="geslaagd"')
    blocks = re.findall(r'<article class="sp-val-failure">(.*?)</article>', html, re.S)
    assert len(blocks) == len(result.failures) == 3
    assert all(html.index(b) < html.index('id="geslaagd"') for b in blocks)
    geslacht = _visible(next(b for b in blocks if "geslacht" in b))
    for label in ("Bron", "Kolom", "Controle", "Aantal rijen", "Voorbeelden"):
        assert label in geslacht
    assert "klanten_pw" in geslacht and "alleen toegestane codes" in geslacht
    assert re.search(r"Aantal rijen 2 ", geslacht)
    assert "regels 5, 9 van het bestand" in geslacht and "onbekend" in geslacht
    summed = _visible(next(b for b in blocks if "pct_kan_nooit" in b))
    assert "kolommen tellen op tot het totaal" in summed and "regel 7 van het bestand" in summed
    missing = _visible(next(b for b in blocks if "cbs_bijstand" in b))
    assert "(bestand)" in missing and "bestand leesbaar" in missing


def test_report_is_dutch_and_has_no_absolute_paths(broken, tmp_path):
    _, _, html = broken
    text = _visible(html)
    for english in ("Validation of the sources", "PASSED", "FAILED", ">FAIL<", "<th>dataset</th>",
                    "<th>result</th>", "<th>offending rows</th>", '<html lang="en"', "Melding"):
        assert english not in html, english
    assert "Validatie van de brondata" in html and "Geslaagde controles per bron" in text
    assert str(tmp_path) not in html and "vertrouwelijk" not in html
    assert not re.search(r"(?<![\w.])/(?:tmp|home|root|Users|srv|data/secure)/", html)
    assert "<code>klanten_pw.csv</code>" in html  # outside the project: the file name only
    assert "<code>data/klantmanagers_pw.csv</code>" in html  # inside: relative to the project


def test_what_a_rule_found_is_explained_in_dutch_and_only_a_parsers_words_stay_english(tmp_path, frames):
    """The Toelichting is written from the result's fields; a message only a library or the CSV
    parser can give stays as the technical message, marked as English for screen readers."""
    project = Project(tmp_path, frames)
    project.write("klanten_pw", frames["klanten_pw"].drop(columns=["geslacht"]).assign(extra=1))
    project.path("klantmanagers_pw").write_bytes("pct_kan_nooit\n\xe9\n".encode("latin-1"))
    project.path("cbs_bijstand").unlink()
    result = validate_edition(project.edition())  # row-count rules kept: 80 respondents are too few
    html = result.to_html()
    blocks = {b: _visible(re.sub(r"</?(?:code|span)\b[^>]*>", "", b)) for b in re.findall(r'<article class="sp-val-failure">.*?</article>', html, re.S)}

    def block(*words):
        return next(text for text in blocks.values() if all(w in text for w in words))

    assert "Toelichting Ontbrekende kolommen: geslacht; Kolommen die het contract niet kent: extra." in block(
        "precies de afgesproken kolommen")
    assert "Toelichting De kolom geslacht staat niet in het bestand." in block("alleen toegestane codes", "geslacht")
    count = next(r for r in result.failures
                 if r.dataset == "klanten_pw" and r.rule == "expect_table_row_count_to_be_between")
    lo, hi = (f"{count.expected[k]:,}".replace(",", ".") for k in ("min_value", "max_value"))
    assert f"Toelichting Gevonden: 80; verwacht: tussen {lo} en {hi}." in block("klanten_pw", "aantal rijen binnen")
    assert "Toelichting Het bestand bestaat niet" in block("cbs_bijstand", "bestand leesbaar")
    parser = next(b for b, text in blocks.items() if "klantmanagers_pw" in text and "bestand leesbaar" in text)
    assert re.search(r'<dt>Technische melding</dt><dd><span lang="en">file is not valid UTF-8 \(line 2', parser)
    assert html.count('lang="en"') == 1  # nothing else is left in English


def test_passing_rules_are_summarised_per_source(broken):
    _, result, html = broken
    details = re.findall(r"<details\b.*?</details>", html, re.S)
    assert len(details) == len(result.sources)
    n_rules = sum(len(s.rules) for s in result.sources)
    # not one line per rule: a table row per source, a list item per kind of rule
    assert html.count("<tr") == len(result.sources) + 1
    assert html.count("<li>") < n_rules / 3
    source = next(s for s in result.sources if s.dataset == "klanten_pw")
    summary = _visible(next(d for d in details if 'id="bron-klanten_pw"' in d))
    passed = sum(r.ok for r in source.rules)
    assert f"{passed} controles geslaagd" in summary and "1 niet voldaan" in summary
    assert "geen lege waarden" in summary and "geslacht" in summary
    # sources with failures come first in the overview and the summaries
    order = re.findall(r'<details id="bron-([^"]+)"', html)
    assert set(order[:3]) == {"klanten_pw", "klantmanagers_pw", "cbs_bijstand"}


def test_passing_report_says_so_and_lists_no_failures(tmp_path, frames):
    project = Project(tmp_path, frames)
    result = validate_edition(project.edition(), skip=ROW_COUNT_RULES)
    assert result.ok
    html = result.to_html()
    assert "Alle controles geslaagd: " in html and "Niet voldaan" not in html and 'id="afwijkingen"' not in html
    assert html.count('<span class="sp-val-ok-mark">in orde</span>') == len(result.sources)


def test_terminal_output_still_names_dataset_column_rule_and_rows(broken, capsys):
    project, result, _ = broken
    text = format_failures(result)
    assert "dataset 'klanten_pw', column 'geslacht', rule expect_column_values_to_be_in_set" in text
    assert "lines 5, 9" in text
    assert main_validate(project.params, project.root / "cli") == 1
    err = capsys.readouterr().err
    assert "dataset 'cbs_bijstand', column '(file)', rule file_readable" in err


def test_report_page_in_the_site(broken, tmp_path):
    _, _, _ = broken
    report = tmp_path / "project" / "build" / "validation.html"
    root = tmp_path / "site"
    svg = _svg_chart([12, 30, 58])
    executed = {"gemeenten": chapter_two(root / "nb" / "02_gemeenten.ipynb", svg),
                "werkgevers": chapter_three(root / "nb" / "03_werkgevers.ipynb", svg)}
    edition = make_edition(root)
    out = render_book(edition, executed, root / "_book", extra_pages={"Validatie van de brondata": report})
    page = (out / "validation.html").read_text("utf-8")
    assert 'class="sp-sidebar"' in page and 'class="sp-validation"' in page  # the site's layout
    assert ".sp-validation" in page.split("</head>")[0]  # its styles kept
    shown = page.replace("\xad", "").replace("&shy;", "")  # the site's soft hyphens in headings
    assert 'href="style.css"' in page and "Afwijkingen (3)" in shown
