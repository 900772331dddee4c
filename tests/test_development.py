"""Development since the previous edition (spiegel.development): the key figures of one edition
against the same figures of the one before, tested as two independent samples, and the words the
text and the Kerncijfers table choose from the result. Tests are checked against statsmodels and
scipy; the end-to-end checks on the 2023 edition are in test_edition_2023.py."""

from __future__ import annotations

import math
import re

import pytest
from scipy import stats as st
from statsmodels.stats.proportion import proportions_ztest

from spiegel import development, stats, text
from spiegel.development import DevelopmentError
from spiegel.findings import Change, Comparison, Register


def share(value: float, n: int, confidence: float = 0.95) -> stats.Estimate:
    se = math.sqrt(value * (1 - value) / n)
    z = st.norm.ppf(0.5 + confidence / 2)
    return stats.Estimate(value, value - z * se, value + z * se, n, float(n), "share")


def mean(value: float, sd: float, n: int, confidence: float = 0.95) -> stats.Estimate:
    se = sd / math.sqrt(n)
    t = st.t.ppf(0.5 + confidence / 2, n - 1)
    return stats.Estimate(value, value - t * se, value + t * se, n, float(n), "mean")


def registers(now: dict, before: dict) -> tuple[Register, Register]:
    """Registers of 2023 and 2022 with the same figures (``{id: Estimate | int | None}``; None:
    the edition did not ask it)."""
    out = []
    for year, figures in ((2023, now), (2022, before)):
        reg = Register("gemeenten", year, threshold=10, alpha=0.05, tolerance=0.01)
        for fid, value in figures.items():
            if value is None:
                reg.not_asked(fid, label=f"label {fid}")
            elif isinstance(value, int):
                reg.figure(fid, value, label=f"label {fid}", source="cbs")
            else:
                reg.figure(fid, value, label=f"label {fid}", source="enquete", unit="grade" if fid == "cijfer" else None)
        out.append(reg)
    return out[0], out[1]


def run(now: dict, before: dict, ids: list[str] | None = None) -> Register:
    reg, prev = registers(now, before)
    development.register(reg, prev, ids or list(now), previous_year=2022, confidence=0.95, where="params/2023.yml")
    return reg


def test_a_share_is_tested_as_two_independent_samples_as_statsmodels_does():
    reg = run({"hoger": share(0.49, 596), "gelijk": share(0.25, 700), "lager": share(0.20, 700)},
              {"hoger": share(0.39, 560), "gelijk": share(0.26, 720), "lager": share(0.26, 720)})
    for fid, (x1, n1, x2, n2) in {"hoger": (0.49 * 596, 596, 0.39 * 560, 560),
                                  "gelijk": (0.25 * 700, 700, 0.26 * 720, 720),
                                  "lager": (0.20 * 700, 700, 0.26 * 720, 720)}.items():
        c = reg[f"ontw_{fid}"]
        z, p = proportions_ztest([x1, x2], [n1, n2])
        assert isinstance(c, Comparison) and c.p_value == pytest.approx(p) and c.statistic == pytest.approx(z)
        assert c.significant == (p < 0.05) and c.a.wave == 2023 and c.b.wave == 2022
        assert c.design == development.DESIGN
    assert reg["ontw_hoger"].higher and reg["ontw_lager"].lower and not reg["ontw_gelijk"].significant


def test_a_mean_or_grade_is_tested_with_welch_from_the_intervals():
    reg = run({"cijfer": mean(7.6, 1.2, 400), "caseload": mean(102.0, 30.0, 302)},
              {"cijfer": mean(7.3, 1.4, 380), "caseload": mean(99.7, 31.0, 300)})
    for fid, (m1, s1, n1, m2, s2, n2) in {"cijfer": (7.6, 1.2, 400, 7.3, 1.4, 380),
                                          "caseload": (102.0, 30.0, 302, 99.7, 31.0, 300)}.items():
        t, p = st.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
        c = reg[f"ontw_{fid}"]
        assert c.test == "Welch t-test" and c.p_value == pytest.approx(p, rel=1e-6) and c.statistic == pytest.approx(t)
    assert reg["ontw_cijfer"].higher and not reg["ontw_caseload"].significant


def test_a_register_figure_is_a_change_and_an_item_one_edition_lacks_is_withheld():
    reg = run({"personen": 405870, "vervallen": None, "nieuw": share(0.46, 700)},
              {"personen": 416120, "vervallen": share(0.33, 700)})
    change = reg["ontw_personen"]
    assert isinstance(change, Change) and change.relative == pytest.approx(405870 / 416120 - 1)
    assert change.direction == "down"  # more than the 1% tolerance
    dropped, added = reg["ontw_vervallen"], reg["ontw_nieuw"]
    assert dropped.suppressed and dropped.reason == "niet gevraagd in 2023"
    assert added.suppressed and added.reason == "niet gevraagd in 2022"
    assert [f.id for f in development.developments(reg)] == ["ontw_personen", "ontw_vervallen", "ontw_nieuw"]
    assert development.previous_year(development.developments(reg)) == 2022


def test_a_figure_below_the_threshold_in_either_edition_is_compared_with_nothing():
    reg = run({"klein": share(0.5, 8), "groot": share(0.5, 500)}, {"klein": share(0.4, 500), "groot": share(0.4, 6)})
    for fid in ("klein", "groot"):
        c = reg[f"ontw_{fid}"]
        assert c.suppressed and c.direction is None and getattr(c, "significant", None) is None
        assert "minder dan 10 waarnemingen" in c.reason


def test_wrong_key_figures_name_the_params_key():
    with pytest.raises(DevelopmentError, match=r"params/2023.yml: development.key_figures.gemeenten: 'kan_nu_werkn' "
                                               r"is not in the chapter's findings register; nearest: kan_nu_werken"):
        run({"kan_nu_werken": share(0.3, 500)}, {"kan_nu_werken": share(0.3, 500)}, ["kan_nu_werkn"])
    with pytest.raises(DevelopmentError, match="is a share in edition 2023 but a count in 2022"):
        run({"x": share(0.3, 500)}, {"x": 150})


# ---------------------------------------------------------------------------------------------
# the words


def test_the_sentences_choose_their_verdict_from_the_test():
    reg = run({"hoger": share(0.49, 596), "gelijk": share(0.25, 700), "lager": share(0.20, 700),
               "personen": 405870, "vervallen": None},
              {"hoger": share(0.39, 560), "gelijk": share(0.26, 720), "lager": share(0.26, 720),
               "personen": 416120, "vervallen": share(0.33, 700)})
    said = {f.id: text.f_development(f) for f in development.developments(reg)}
    assert said == {
        "ontw_hoger": "Label hoger: 49% in 2023, tegen 39% in 2022; significant hoger.",
        "ontw_gelijk": "Label gelijk: 25% in 2023, tegen 26% in 2022; geen significant verschil.",
        "ontw_lager": "Label lager: 20% in 2023, tegen 26% in 2022; significant lager.",
        "ontw_personen": "Label personen: 405.870 in 2023, tegen 416.120 in 2022; gedaald "
                         "(een registercijfer, zonder steekproefonzekerheid).",
        "ontw_vervallen": "Label vervallen: niet gevraagd in 2023; geen vergelijking mogelijk.",
    }
    summary = text.f_development_summary(development.developments(reg))
    assert summary == ("Van de drie kerncijfers uit enquêtes die beide edities meten, verschillen er twee significant "
                       "van de vorige editie; één is een registercijfer, zonder steekproefonzekerheid; één is niet "
                       "in beide edities te vergelijken.")
    none = run({"gelijk": share(0.25, 700), "ook": share(0.5, 700)}, {"gelijk": share(0.26, 720), "ook": share(0.5, 700)})
    assert text.f_development_summary(development.developments(none)) == (
        "Geen van de twee kerncijfers uit enquêtes die beide edities meten, verschilt significant van de vorige editie.")
    one = run({"hoger": share(0.49, 596)}, {"hoger": share(0.39, 560)})
    assert text.f_development_summary(development.developments(one)) == (
        "Het kerncijfer uit enquêtes dat beide edities meten, verschilt significant van de vorige editie.")


def test_the_key_figure_table_prints_both_editions_the_difference_and_the_verdict():
    reg = run({"hoger": share(0.49, 596), "gelijk": share(0.251, 700), "personen": 405870, "vervallen": None},
              {"hoger": share(0.39, 560), "gelijk": share(0.249, 720), "personen": 416120, "vervallen": share(0.33, 700)})
    table = text.f_development_table([("2", f) for f in development.developments(reg)], "Kerncijfers")
    lines = table.splitlines()
    assert lines[0] == "| Hoofdstuk | Kerncijfer | 2023 | 2022 | Verschil | Significant? |"
    assert lines[2:6] == [
        "| 2 | Label hoger | 49% | 39% | +10 procentpunt | ja |",
        "| 2 | Label gelijk | 25% | 25% | 0 procentpunt | nee |",  # rounds to nothing: no sign
        "| 2 | Label personen | 405.870 | 416.120 | −2,5% | registercijfer |",
        "| 2 | Label vervallen | niet gevraagd in 2023 | 33% |  | niet gevraagd in 2023 |",
    ]
    assert lines[-1] == ": Kerncijfers"
    # in the page each column is as wide as its longest cell needs, not a sixth of the line each
    import pypandoc

    cells = [[c.strip() for c in line.strip("|").split("|")] for line in [lines[0], *lines[2:-2]]]
    longest = [max(len(row[j]) for row in cells) for j in range(6)]
    page = pypandoc.convert_text("\n".join(lines), "html", format="markdown", extra_args=["--columns=40"])
    widths = [float(w) for w in re.findall(r'<col style="width: ([\d.]+)%"', page)]
    assert len(widths) == 6 and len(set(widths)) > 2, widths
    for j in range(6):
        for k in range(6):
            if longest[j] > longest[k] + 2:
                assert widths[j] > widths[k], (longest, widths)
    with pytest.raises(text.TextError, match="ontw_ finding"):
        text.f_development(reg["hoger"])


def test_a_template_without_a_previous_edition_writes_nothing():
    reg, _ = registers({"x": share(0.3, 500)}, {})
    ctx = text.context(reg, {})
    assert ctx["ontwikkeling"] == [] and ctx["vorige_editie"] is None
    source = "[% if ontwikkeling %]## Ontwikkeling sinds de Spiegel [[ vorige_editie ]][% endif %]"
    assert text.render(source, ctx, text.Where("gemeenten")) == ""
