"""Filling the chapters' Markdown from the findings register: filters, wording chosen from
results, disclosure control in sentences, and errors that name the place."""

import nbformat
import pytest

from spiegel import stats
from spiegel.findings import Register
from spiegel.sdc import SUPPRESSED_MARK
from spiegel.stats import Estimate
from spiegel.text import TextError, Where, context, fill_cells, render, typed_numbers

PARAMS = {"edition": 2022, "waves": {"current": 2021, "earlier": [2014, 2017, 2019]},
          "periods": {"na": {"start": "2020-03"}},
          "sources": {"klanten_pw": {"bron": "Arbeidsinspectie, enquête 2021"}, "cbs": {"bron": "CBS"}}}
WHERE = Where("test", "01_test.ipynb", 3, "Inleiding")


def est(value, n):
    return Estimate.from_aggregate(value, n)


@pytest.fixture
def reg():
    r = Register("test", 2022, threshold=10)
    r.figure("kan_werken", est(0.565, 700), label="Kan nu werken")
    r.figure("derde", est(0.333, 700))
    r.figure("klein", est(0.15, 700))
    r.figure("klein_groepje", est(0.0, 6))
    r.figure("personen", 416000, n=416000)
    r.figure("cijfer", Estimate(7.46, 7.3, 7.6, 300, 300.0, "mean"), unit="grade")
    r.comparison("m_v", stats.compare_shares(est(0.30, 800), est(0.22, 700)), a_label="mannen", b_label="vrouwen")
    r.comparison("m_v_ns", stats.compare_shares(est(0.26, 200), est(0.24, 200)))
    r.comparison("m_v_klein", stats.compare_shares(est(0.0, 6), est(0.2, 500)))
    r.trend("pakkans", [(2014, est(0.55, 900)), (2019, est(0.45, 900)), (2021, est(0.40, 900))])
    r.count("regios", 18, 34)
    return r


def fill(text, reg):
    return render(text, context(reg, PARAMS), WHERE)


@pytest.mark.parametrize("template, expected", [
    ("[[ kan_werken | pct ]]", "57%"),
    ("[[ kan_werken | pct(1) ]]", "56,5%"),
    ("[[ derde | fraction ]]", "één op de drie"),
    ("[[ derde | fraction | capitalize ]]", "Eén op de drie"),
    ("[[ klein | pct | capitalize ]] zegt dat", "Vijftien procent zegt dat"),
    ("[[ kan_werken | share_of('klanten') ]]", "bijna zes op de tien klanten (57%)"),
    ("[[ klein | share_of('klanten') ]]", "15% van de klanten"),
    ("[[ personen | number ]]", "416.000"),
    ("[[ personen | thousands ]]", "416 dzd"),
    ("[[ cijfer | grade ]]", "7,5"),
    ("[[ regios | count_of ]]", "achttien van de vierendertig"),
    ("[[ regios | words | capitalize ]]", "Achttien"),
    ("[[ m_v | values ]]", "30% tegen 22%"),
    ("[[ m_v | compare ]]", "significant vaker (30% tegen 22%)"),
    ("[[ m_v_ns | compare ]]", "vaker, maar het verschil is niet significant (26% tegen 24%)"),
    ("[[ m_v | word('vaker', 'minder vaak', 'even vaak') ]]", "vaker"),
    ("[[ m_v_ns | word('vaker', 'minder vaak', 'even vaak') ]]", "even vaak"),
    ("[[ pakkans | word ]]", "gedaald"),
    ("[[ pakkans | series ]]", "55% in 2014, 45% in 2019 en 40% in 2021"),
    ("[[ params.waves.current ]]", "2021"),
    ("[[ params.periods.na.start | month ]]", "maart 2020"),
    ("[[ bron('klanten_pw', 'cbs') ]]", "Bron: Arbeidsinspectie, enquête 2021; CBS."),
    ("[% if m_v.significant %]wel[% else %]niet[% endif %]", "wel"),
    ("[% if m_v_ns.significant %]wel[% else %]niet[% endif %]", "niet"),
    ("[[ derde | complement | fraction ]]", "twee op de drie"),
    ("[[ klein | complement | pct ]]", "85%"),
    ("[[ kan_werken | complement | ci ]]", "40–47%"),
    ("[[ personen | millions(1) ]]", "0,4 miljoen"),
])
def test_filters(reg, template, expected):
    assert fill(template, reg) == expected


def test_wording_follows_the_result_when_it_reverses():
    def reg_with(a, b):
        r = Register("t", 2022, threshold=10)
        r.comparison("c", stats.compare_shares(est(a, 800), est(b, 800)))
        r.trend("t", [(2017, est(a, 800)), (2021, est(b, 800))])
        return r

    text = "Mannen zoeken [[ c | word('vaker', 'minder vaak', 'even vaak') ]] werk; het aandeel is [[ t | word ]]."
    assert fill(text, reg_with(0.30, 0.20)) == "Mannen zoeken vaker werk; het aandeel is gedaald."
    assert fill(text, reg_with(0.20, 0.30)) == "Mannen zoeken minder vaak werk; het aandeel is gestegen."
    assert fill(text, reg_with(0.25, 0.255)) == "Mannen zoeken even vaak werk; het aandeel is gelijk gebleven."


@pytest.mark.parametrize("template", [
    "Kleine groep: [[ klein_groepje | pct ]].",
    "[[ m_v_klein | compare ]]",
    "[[ m_v_klein | values ]]",
    "Zij zoeken [[ m_v_klein | word('vaker', 'minder vaak', 'even vaak') ]] werk.",
    "[[ klein_groepje | fraction | capitalize ]]",
    "[[ klein_groepje | complement | pct ]]",
])
def test_a_suppressed_finding_never_leaks_into_a_sentence(reg, template):
    out = fill(template, reg)
    assert SUPPRESSED_MARK in out and "minder dan 10" in out
    assert "0%" not in out and "20%" not in out and "vaker" not in out.replace("Zij zoeken", "")


def test_no_direction_is_claimed_between_suppressed_values(reg):
    assert fill("[% if m_v_klein.higher or m_v_klein.lower %]richting[% endif %]", reg) == ""
    assert fill("[% if m_v_klein.shown %]getoond[% else %]niet getoond[% endif %]", reg) == "niet getoond"


def test_an_unknown_id_names_the_place_and_the_nearest_ids(reg):
    with pytest.raises(TextError) as err:
        fill("Zo zegt [[ kan_werkn | pct ]] dat.", reg)
    msg = str(err.value)
    assert "chapter 'test'" in msg and "cell 3" in msg and "Inleiding" in msg
    assert "'kan_werkn'" in msg and "kan_werken" in msg


@pytest.mark.parametrize("template, needs", [
    ("[[ personen | pct ]]", "filter 'pct' needs a figure with unit share"),
    ("[[ m_v | pct ]]", "'m_v' (a comparison)"),
    ("[[ kan_werken | count_of ]]", "count_of' needs a count"),
    ("[[ kan_werken | compare ]]", "compare' needs a comparison"),
    ("[[ regios | series ]]", "series' needs a trend"),
    ("[[ kan_werken | word ]]", "word' needs a comparison, trend or change"),
    ("[[ personen | complement | pct ]]", "complement' needs a share"),
    ("[[ m_v | complement | pct ]]", "complement' needs a share"),
    ("[[ kan_werken | millions ]]", "millions' needs a figure with unit count"),
])
def test_a_filter_on_the_wrong_kind_of_finding_says_so(reg, template, needs):
    with pytest.raises(TextError, match="chapter 'test'") as err:
        fill(template, reg)
    assert needs in str(err.value)


def test_unknown_filters_attributes_and_syntax_errors_name_the_place(reg):
    with pytest.raises(TextError, match=r"No filter named 'pcnt'.*known filters: pct"):
        fill("[[ kan_werken | pcnt ]]", reg)
    with pytest.raises(TextError, match="has no attribute 'sigificant'"):
        fill("[% if m_v.sigificant %]x[% endif %]", reg)
    with pytest.raises(TextError, match="line 2"):
        fill("regel een\n[% if m_v.significant %]x", reg)


@pytest.mark.parametrize("text", [
    "Heading {.unnumbered} and @fig-arbeidsvermogen and @tbl-x",
    "Math $x^2$ and a Quarto shortcode {{< pagebreak >}} and {{ jinja }} and {% raw %}",
    "A [link](https://example.org/a?b=1) and *emphasis* and `code`",
    "::: note\nN = text\n:::",
])
def test_pandoc_quarto_and_jupyter_markdown_pass_through_untouched(reg, text):
    assert fill(text, reg) == text


@pytest.mark.parametrize("text, typed", [
    ("Van de klanten zegt 57% dat.", ["57"]),
    ("Sinds maart 2020 zijn er minder starts.", ["2020"]),
    ("In totaal 1.234 personen en 7,5 als cijfer.", ["1.234", "7,5"]),
    ("Wet SUWI (artikel 10) en COVID-19, zie @tbl-uwv-3 en [^2].", []),
    ("Al [[ kan_werken | pct ]] in [[ params.waves.current ]].", []),
    ("Zie [@nibud2021, p. 4; @ai_corona2021] en volgens @berenschot2021 ook.", []),
    ("Zie [@nibud2021] en 80 gemeenten; mail info@nibud2021.nl.", ["80", "2021"]),
])
def test_numbers_typed_in_the_text_are_found(text, typed):
    assert typed_numbers(text) == typed


def _notebook(*markdown):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(m) for m in markdown]
    return nb


def test_fill_cells_fills_every_markdown_cell_and_keeps_the_template(reg):
    nb = _notebook("# Titel", "## Sectie\n\nAl [[ kan_werken | pct ]] kan werken.", "Geen placeholders.")
    fill_cells(nb, reg, PARAMS, chapter="test")
    assert nb.cells[1].source == "## Sectie\n\nAl 57% kan werken."
    assert nb.cells[1].metadata["spiegel"]["template"] == "## Sectie\n\nAl [[ kan_werken | pct ]] kan werken."
    assert "spiegel" not in nb.cells[2].metadata
    fill_cells(nb, reg, PARAMS, chapter="test")  # filling again starts from the template
    assert nb.cells[1].source == "## Sectie\n\nAl 57% kan werken."


def test_fill_cells_names_the_section_of_a_typed_number(reg):
    nb = _notebook("# Titel", "## Behoefte\n\nTekst.", "Nu zegt 57% dat.")
    with pytest.raises(TextError, match=r"cell 3, section 'Behoefte'.*typed in the text: 57"):
        fill_cells(nb, reg, PARAMS, chapter="test")


@pytest.mark.parametrize("template, words", [
    ("Mannen zoeken vaker werk dan vrouwen.", ["vaker"]),
    ("Het aandeel is gestegen; de grootste groep zoekt niet.", ["gestegen", "grootste"]),
    ("Zij zoeken [[ c | word('vaker', 'minder vaak') ]] werk.", []),
    ("[% if c.higher %]Het aandeel is hoger.[% else %]Het is lager.[% endif %]", []),
    ("Het verschil is niet significant.", ["significant"]),
])
def test_result_words_typed_outside_a_choice_are_found(template, words):
    from spiegel.text import typed_wording

    assert typed_wording(template) == words


@pytest.mark.parametrize("template, words", [
    ("Twee op de drie klanten zegt dat.", ["Twee op de drie"]),
    ("Ruim de helft, en achttien van de vierendertig regio's.", ["de helft", "achttien van de vierendertig"]),
    ("Vijftien procent, bijna zeven.", ["Vijftien procent", "bijna zeven"]),
    ("De drie regelingen werken vanuit één plan.", []),
    ("[[ x | fraction | capitalize ]] klanten.", []),
])
def test_counts_written_out_by_hand_are_found(template, words):
    from spiegel.text import typed_count_words

    assert typed_count_words(template) == words


@pytest.mark.parametrize("text, starts", [
    ("Zo is het. 57% zegt dat.", ["57% zegt dat."]),
    ("- 12 regio's hebben er een.", ["12 regio's hebben er een."]),
    ("Van de klanten zegt 57% dat. De 3 groepen.", []),
    ("## 2.3 Kop\n\n::: note\n712 klanten\n:::", []),
    ("Een regel die doorloopt naar\n2021 op de volgende regel.", []),
    ("**12** regio's hebben er een.", ["12** regio's hebben er een."]),
    ("Zegt **bijna** 12 niets.", []),
])
def test_sentences_starting_with_a_numeral_are_found(text, starts):
    from spiegel.text import numeral_sentence_starts

    assert numeral_sentence_starts(text) == starts


def test_captions_are_filled_and_may_not_hold_typed_numbers(reg):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Titel"),
                nbformat.v4.new_code_cell('#| label: tbl-x\n#| tbl-cap: "Populatie [[ params.periods.na.start | month ]]"\nx')]
    fill_cells(nb, reg, PARAMS, chapter="test")
    assert nb.cells[1].source == '#| label: tbl-x\n#| tbl-cap: "Populatie maart 2020"\nx'
    nb.cells[1] = nbformat.v4.new_code_cell('#| label: tbl-x\n#| tbl-cap: "Populatie april 2022"\nx')
    with pytest.raises(TextError, match="cell 2.*typed in a caption: 2022"):
        fill_cells(nb, reg, PARAMS, chapter="test")


def test_comparing_the_value_of_a_suppressed_figure_names_it_and_the_guard(reg):
    with pytest.raises(TextError, match=r"klein_groepje is suppressed.*\[% if <id>.shown %\]"):
        fill("[% if klein_groepje.value > 0.5 %]De meeste[% else %]Een minderheid[% endif %]", reg)
    assert fill("[% if klein_groepje.shown and klein_groepje.value > 0.5 %]De meeste[% endif %]", reg) == ""


# -- a finding the edition did not ask (issue 14): a clear phrase, never a number or a direction


@pytest.fixture
def reg_2023():
    r = Register("test", 2023, threshold=10)
    r.not_asked("corona", label="Minder contact tijdens de coronacrisis")
    r.figure("hier", est(0.30, 700))
    r.comparison("c_gone", stats.compare_shares(est(0.3, 500), est(0.2, 500)), a="corona", b="hier")
    r.trend("t_gone", [(2019, est(0.3, 700)), (2023, r["corona"])])
    r.change("ch_gone", "hier", "corona")
    return r


@pytest.mark.parametrize("template", [
    "[[ corona | pct ]]", "[[ corona | pct(1) ]]", "[[ corona | fraction ]]", "[[ corona | approx ]]",
    "[[ corona | ci ]]", "[[ corona | number ]]", "[[ corona | share_of('klanten') ]]",
    "[[ c_gone | values ]]", "[[ c_gone | compare ]]", "[[ c_gone | pp ]]",
    "[[ c_gone | word('vaker', 'minder vaak', 'even vaak') ]]",
    "[[ t_gone | word ]]", "[[ t_gone | series ]]", "[[ ch_gone | word ]]", "[[ ch_gone | pct ]]",
])
def test_every_filter_says_not_asked_instead_of_a_number(reg_2023, template):
    out = fill(template, reg_2023)
    assert out == "niet gevraagd in 2023"
    assert SUPPRESSED_MARK not in out and "%" not in out


def test_not_asked_at_a_sentence_start_is_capitalised(reg_2023):
    assert fill("[[ corona | share_of('klanten') | capitalize ]].", reg_2023) == "Niet gevraagd in 2023."


def test_a_guard_on_shown_leaves_out_a_sentence_the_edition_cannot_say(reg_2023):
    text = "Zo is het.[% if corona.shown %] Volgens [[ corona | pct ]] minder contact.[% endif %]"
    assert fill(text, reg_2023) == "Zo is het."
    assert fill("[% if c_gone.higher or c_gone.lower or c_gone.significant %]x[% endif %]", reg_2023) == ""
    assert fill("[% if corona.not_asked %]niet gevraagd[% endif %]", reg_2023) == "niet gevraagd"
    # the same template in an edition that asked it prints the number
    r = Register("test", 2022, threshold=10)
    r.figure("corona", est(0.33, 700))
    assert fill(text, r) == "Zo is het. Volgens 33% minder contact."
    assert fill("[% if corona.not_asked %]niet gevraagd[% endif %]", r) == ""


def test_comparing_the_value_of_a_figure_not_asked_names_the_reason_and_the_guard(reg_2023):
    with pytest.raises(TextError, match=r"corona is not asked in this edition.*\[% if <id>.shown %\]"):
        fill("[% if corona.value > 0.5 %]De meeste[% endif %]", reg_2023)
