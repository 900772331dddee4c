"""spiegel.stats against independent implementations (statsmodels, scipy) and hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_ind
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import DescrStatsW

from spiegel import stats
from spiegel.stats import Estimate

LIKERT = ["helemaal_eens", "eens", "neutraal", "oneens", "helemaal_oneens", "weet_niet"]
EENS = {"eens", "helemaal_eens"}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(20220906)
    n = 800
    answers = rng.choice([*LIKERT, None], n, p=[0.15, 0.3, 0.15, 0.15, 0.1, 0.05, 0.1])
    return pd.DataFrame({
        "item": pd.Series(answers, dtype="str"),
        "geslacht": rng.choice(["man", "vrouw"], n),
        "leeftijd": rng.choice(["tot_27", "27_45", "45_plus"], n),
        "gewicht": rng.uniform(0.3, 3.0, n),
        "score": np.where(rng.random(n) < 0.05, np.nan, rng.normal(6.8, 1.4, n)),
    })


# ----------------------------------------------------------------------------- share


def test_unweighted_share_matches_statsmodels_wilson(survey):
    est = stats.share(survey["item"], EENS)
    valid = survey["item"].notna()
    count = int(survey["item"].isin(EENS).sum())
    nobs = int(valid.sum())
    lo, hi = proportion_confint(count, nobs, alpha=0.05, method="wilson")
    assert est.n == nobs and est.n_eff == nobs and est.kind == "share"
    assert est.value == pytest.approx(count / nobs, abs=1e-12)
    assert (est.ci_low, est.ci_high) == pytest.approx((lo, hi), abs=1e-12)


def test_weighted_share_uses_kish_effective_n(survey):
    est = stats.share(survey["item"], EENS, survey["gewicht"])
    valid = survey["item"].notna()
    w = survey.loc[valid, "gewicht"].to_numpy()
    pos = survey.loc[valid, "item"].isin(EENS).to_numpy()
    n_eff = w.sum() ** 2 / (w**2).sum()
    p = (w * pos).sum() / w.sum()
    lo, hi = proportion_confint(p * n_eff, n_eff, method="wilson")
    assert est.n == valid.sum()
    assert est.n_eff == pytest.approx(n_eff)
    assert est.n_eff < est.n
    assert est.value == pytest.approx(p)
    assert (est.ci_low, est.ci_high) == pytest.approx((lo, hi), abs=1e-12)


def test_weighted_share_by_hand():
    values = pd.Series(["ja", "nee", "ja", None], dtype="str")
    weights = pd.Series([1.0, 2.0, 3.0, 4.0])
    est = stats.share(values, "ja", weights)
    assert est.value == pytest.approx(4 / 6)  # (1 + 3) / (1 + 2 + 3); NaN not in the base
    assert est.n == 3
    assert est.n_eff == pytest.approx(36 / 14)  # (1+2+3)² / (1+4+9)


def test_weet_niet_stays_in_base_unless_excluded():
    values = pd.Series(["eens", "oneens", "weet_niet", "weet_niet", None])
    assert stats.share(values, {"eens"}).value == pytest.approx(1 / 4)
    est = stats.share(values, {"eens"}, exclude=("weet_niet",))
    assert est.value == pytest.approx(1 / 2)
    assert est.n == 2


def test_boolean_and_callable_positive():
    b = pd.Series([True, False, True, pd.NA], dtype="boolean")
    est = stats.share(b)
    assert (est.value, est.n) == (pytest.approx(2 / 3), 3)
    plain = stats.share(pd.Series([True, False, False, False]))
    assert plain.value == 0.25
    codes = pd.Series(["a1", "b2", "a3", None])
    assert stats.share(codes, lambda s: s.str.startswith("a")).value == pytest.approx(2 / 3)
    with pytest.raises(TypeError):
        stats.share(codes)  # positive= required for codes


def test_weights_align_on_index_and_are_checked():
    values = pd.Series(["ja", "nee"], index=[10, 20])
    weights = pd.Series([3.0, 1.0], index=[20, 10])  # other order: aligned by index
    assert stats.share(values, "ja", weights).value == pytest.approx(1 / 4)
    with pytest.raises(ValueError, match="missing"):
        stats.share(values, "ja", pd.Series([1.0, np.nan], index=[10, 20]))
    with pytest.raises(ValueError, match="non-negative"):
        stats.share(values, "ja", pd.Series([1.0, -1.0], index=[10, 20]))


def test_empty_base_gives_nan_with_n_zero():
    est = stats.share(pd.Series([None, None], dtype="str"), "ja")
    assert est.n == 0 and math.isnan(est.value) and math.isnan(est.ci_low)


@pytest.mark.parametrize("p", [0.0, 0.03, 0.2, 0.5, 0.87, 1.0])
def test_ci_contains_value_and_shrinks_with_n(p):
    widths = []
    for n in (20, 80, 320, 1280):
        est = Estimate.from_aggregate(p, n)
        assert 0.0 <= est.ci_low <= est.value <= est.ci_high <= 1.0
        widths.append(est.ci_high - est.ci_low)
    assert widths == sorted(widths, reverse=True)
    assert widths[-1] < widths[0]


def test_from_aggregate_is_wilson_on_n():
    est = Estimate.from_aggregate(0.31, 650)
    lo, hi = proportion_confint(0.31 * 650, 650, method="wilson")
    assert (est.ci_low, est.ci_high) == pytest.approx((lo, hi))
    assert est.n == 650 and est.n_eff == 650


# ----------------------------------------------------------------------------- mean


def test_unweighted_mean_matches_descrstatsw(survey):
    x = survey["score"].dropna().to_numpy()
    est = stats.mean(survey["score"])
    d = DescrStatsW(x)
    assert est.kind == "mean" and est.n == len(x)
    assert est.value == pytest.approx(d.mean)
    assert (est.ci_low, est.ci_high) == pytest.approx(d.tconfint_mean(), rel=1e-12)


def test_weighted_mean_matches_descrstatsw_on_effective_n(survey):
    valid = survey["score"].notna()
    x = survey.loc[valid, "score"].to_numpy()
    w = survey.loc[valid, "gewicht"].to_numpy()
    est = stats.mean(survey["score"], survey["gewicht"])
    n_eff = w.sum() ** 2 / (w**2).sum()
    d = DescrStatsW(x, weights=w / w.sum() * n_eff)  # frequency weights summing to n_eff
    assert est.n_eff == pytest.approx(n_eff)
    assert est.value == pytest.approx(np.average(x, weights=w))
    assert (est.ci_low, est.ci_high) == pytest.approx(d.tconfint_mean(), rel=1e-10)


# ----------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"),
                         [(130, 400, 95, 380), (20, 60, 25, 70), (300, 700, 310, 720),
                          (0, 50, 3, 40)])
def test_compare_shares_matches_proportions_ztest(x1, n1, x2, n2):
    a = stats.share(pd.Series([True] * x1 + [False] * (n1 - x1)))
    b = stats.share(pd.Series([True] * x2 + [False] * (n2 - x2)))
    cmp = stats.compare_shares(a, b)
    z, p = proportions_ztest([x1, x2], [n1, n2])
    assert cmp.diff == pytest.approx(x1 / n1 - x2 / n2)
    assert cmp.statistic == pytest.approx(z)
    assert cmp.p_value == pytest.approx(p)
    assert cmp.significant == (p < 0.05)
    assert cmp.alpha == 0.05 and "z-test" in cmp.test


def test_compare_with_published_aggregate():
    current = Estimate.from_aggregate(0.38, 700)
    earlier = Estimate.from_aggregate(0.31, 650)
    cmp = stats.compare_shares(current, earlier)
    _, p = proportions_ztest([0.38 * 700, 0.31 * 650], [700, 650])
    assert cmp.p_value == pytest.approx(p)
    assert cmp.significant and cmp.diff == pytest.approx(0.07)


def test_compare_identical_extremes_is_not_significant():
    zero = Estimate.from_aggregate(0.0, 100)
    cmp = stats.compare_shares(zero, zero)
    assert cmp.p_value == 1.0 and not cmp.significant


def test_compare_means_matches_scipy_welch(survey):
    men = survey.loc[survey["geslacht"] == "man", "score"]
    women = survey.loc[survey["geslacht"] == "vrouw", "score"]
    cmp = stats.compare_means(men, women)
    res = ttest_ind(men.dropna(), women.dropna(), equal_var=False)
    assert cmp.statistic == pytest.approx(res.statistic)
    assert cmp.p_value == pytest.approx(res.pvalue)
    assert cmp.test == "Welch t-test"
    # estimates from mean() give the same test
    again = stats.compare_means(stats.mean(men), stats.mean(women))
    assert again.p_value == pytest.approx(cmp.p_value)


def test_weighted_compare_means_runs(survey):
    m = survey["geslacht"] == "man"
    cmp = stats.compare_means(survey.loc[m, "score"], survey.loc[~m, "score"],
                              a_weights=survey.loc[m, "gewicht"],
                              b_weights=survey.loc[~m, "gewicht"])
    assert 0 <= cmp.p_value <= 1


def test_trend_of_two_waves_is_the_z_test():
    first, last = Estimate.from_aggregate(0.25, 600), Estimate.from_aggregate(0.30, 700)
    tr = stats.trend([first, last], [2019, 2021])
    cmp = stats.compare_shares(last, first)
    assert tr.a is last and tr.b is first
    assert tr.p_value == pytest.approx(cmp.p_value)
    assert tr.diff == pytest.approx(0.05)


def test_trend_matches_linear_by_linear_association():
    counts = np.array([[30, 70], [40, 60], [55, 45]])
    years = np.array([2014.0, 2017.0, 2019.0])
    ests = [Estimate.from_aggregate(r[0] / r.sum(), r.sum()) for r in counts]
    tr = stats.trend(ests, years)
    res = Table(counts).test_ordinal_association(row_scores=years, col_scores=np.array([1.0, 0.0]))
    big_n = counts.sum()
    # statsmodels' variance has the factor N/(N-1); ours does not (so that 2 waves = z-test)
    assert tr.statistic * math.sqrt((big_n - 1) / big_n) == pytest.approx(res.zscore)
    assert tr.significant and tr.diff > 0


def test_trend_zigzag_is_not_reported_as_significant_change():
    ests = [Estimate.from_aggregate(p, 1000) for p in (0.30, 0.10, 0.90, 0.28)]
    tr = stats.trend(ests)
    assert tr.p_value < 0.001  # strong linear association upwards …
    assert tr.diff < 0  # … but the last wave is below the first
    assert not tr.significant


def test_trend_needs_two_waves():
    with pytest.raises(ValueError):
        stats.trend([Estimate.from_aggregate(0.3, 100)])


# ----------------------------------------------------------------------------- shared respondents


def _staff(seed: int, groups: int = 150, weights: bool = False) -> pd.DataFrame:
    """Answers of staff who each answer for one to three client groups; a person's answers are
    alike (a shared latent score), so they must not count as independent."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 4, groups)
    person = np.repeat(np.arange(groups), sizes)
    latent = np.repeat(rng.normal(size=groups), sizes) + rng.normal(0, 0.7, len(person))
    group = np.array([g for k in sizes for g in rng.permutation(["ww", "wajong", "wga"])[:k]])
    latent = latent + 0.35 * (group == "ww")
    answer = np.where(latent > 0.2, "eens", np.where(latent > -0.3, "neutraal", "oneens")).astype(object)
    answer[rng.random(len(person)) < 0.05] = None  # no answer
    frame = pd.DataFrame({"mdw_id": [f"M{p:04d}" for p in person], "groep": group, "antwoord": answer,
                          "cijfer": np.clip(np.round(7 + latent), 1, 10)})
    frame["gewicht"] = rng.uniform(0.5, 2.0, len(frame)) if weights else 1.0
    return frame


def _ols_cluster(y, x, groups, weights=None, use_t=False):
    import statsmodels.api as sm

    model = sm.OLS(y, x) if weights is None else sm.WLS(y, x, weights=weights)
    return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]}, use_t=use_t)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clustered_share_matches_statsmodels_cluster_robust_ols(seed):
    df = _staff(seed).dropna(subset=["antwoord"])
    est = stats.clustered_share(df["antwoord"], df["mdw_id"], EENS)
    y = df["antwoord"].isin(EENS).to_numpy(float)
    res = _ols_cluster(y, np.ones(len(y)), df["mdw_id"])
    assert est.value == pytest.approx(res.params[0], abs=1e-12)
    assert est.se == pytest.approx(res.bse[0], rel=1e-10)
    assert est.n == df["mdw_id"].nunique() < len(df)  # respondents, not answers
    assert est.n_eff == pytest.approx(est.value * (1 - est.value) / res.bse[0] ** 2)
    assert (est.ci_low, est.ci_high) == pytest.approx(proportion_confint(est.value * est.n_eff, est.n_eff,
                                                                         method="wilson"), abs=1e-12)


def test_pooled_answers_get_a_wider_interval_than_independent_answers():
    df = _staff(4, groups=300)
    naive = stats.share(df["antwoord"], EENS)
    pooled = stats.clustered_share(df["antwoord"], df["mdw_id"], EENS)
    assert pooled.value == pytest.approx(naive.value)
    assert pooled.n_eff < naive.n  # alike answers carry less information than as many persons
    assert pooled.ci_high - pooled.ci_low > naive.ci_high - naive.ci_low


def test_clustered_share_weighted_matches_wls_and_skips_missing():
    df = _staff(5, weights=True)
    est = stats.clustered_share(df["antwoord"], df["mdw_id"], EENS, df["gewicht"])
    valid = df["antwoord"].notna()
    y = df.loc[valid, "antwoord"].isin(EENS).to_numpy(float)
    res = _ols_cluster(y, np.ones(len(y)), df.loc[valid, "mdw_id"], df.loc[valid, "gewicht"].to_numpy())
    assert est.value == pytest.approx(res.params[0])
    assert est.se == pytest.approx(res.bse[0], rel=1e-10)
    assert est.n == df.loc[valid, "mdw_id"].nunique()


def test_clustered_mean_matches_statsmodels_with_t_on_respondents():
    df = _staff(6)
    est = stats.clustered_mean(df["cijfer"], df["mdw_id"])
    res = _ols_cluster(df["cijfer"].to_numpy(float), np.ones(len(df)), df["mdw_id"], use_t=True)
    assert est.kind == "mean" and est.n == df["mdw_id"].nunique()
    assert est.se == pytest.approx(res.bse[0], rel=1e-10)
    assert (est.ci_low, est.ci_high) == pytest.approx(tuple(res.conf_int()[0]), rel=1e-10)  # df = G − 1


@pytest.mark.parametrize("seed, weights", [(7, False), (8, False), (9, True)])
def test_compare_clustered_matches_statsmodels_regression_on_the_side(seed, weights):
    df = _staff(seed, weights=weights).dropna(subset=["antwoord"])
    a, b = df[df["groep"] == "ww"], df[df["groep"] != "ww"]  # staff on both sides, several answers in b
    assert set(a["mdw_id"]) & set(b["mdw_id"])
    cmp = stats.compare_clustered(a["antwoord"], b["antwoord"], a_clusters=a["mdw_id"], b_clusters=b["mdw_id"],
                                  positive=EENS, a_weights=a["gewicht"], b_weights=b["gewicht"])
    stacked = pd.concat([a, b])
    y = stacked["antwoord"].isin(EENS).to_numpy(float)
    x = np.column_stack([np.ones(len(stacked)), np.r_[np.ones(len(a)), np.zeros(len(b))]])
    res = _ols_cluster(y, x, stacked["mdw_id"], stacked["gewicht"].to_numpy() if weights else None)
    assert cmp.diff == pytest.approx(res.params[1], abs=1e-12)
    assert cmp.statistic == pytest.approx(res.tvalues[1], rel=1e-9)
    assert cmp.p_value == pytest.approx(res.pvalues[1], rel=1e-9)
    assert cmp.significant == (res.pvalues[1] < 0.05)
    assert cmp.test == "cluster-robust z-test (clusters = respondents)"
    assert cmp.a.n == a["mdw_id"].nunique() and cmp.b.n == b["mdw_id"].nunique()


def test_compare_clustered_means_matches_statsmodels():
    df = _staff(10)
    a, b = df[df["groep"] == "ww"], df[df["groep"] == "wga"]
    cmp = stats.compare_clustered(a["cijfer"], b["cijfer"], a_clusters=a["mdw_id"], b_clusters=b["mdw_id"],
                                  kind="mean")
    stacked = pd.concat([a, b])
    x = np.column_stack([np.ones(len(stacked)), np.r_[np.ones(len(a)), np.zeros(len(b))]])
    res = _ols_cluster(stacked["cijfer"].to_numpy(float), x, stacked["mdw_id"])
    assert cmp.a.kind == "mean" and cmp.diff == pytest.approx(res.params[1])
    assert cmp.p_value == pytest.approx(res.pvalues[1], rel=1e-9)


def test_compare_clustered_without_shared_respondents_is_close_to_the_unpooled_z_test():
    rng = np.random.default_rng(11)
    a = pd.Series(rng.random(400) < 0.45)
    b = pd.Series(rng.random(500) < 0.38)
    cmp = stats.compare_clustered(a, b, a_clusters=np.arange(400), b_clusters=np.arange(400, 900))
    se = math.sqrt(a.mean() * (1 - a.mean()) / 400 + b.mean() * (1 - b.mean()) / 500)
    assert cmp.statistic == pytest.approx((a.mean() - b.mean()) / se, rel=0.01)


def test_compare_clustered_edge_cases_do_not_raise():
    empty = stats.compare_clustered(pd.Series([], dtype=object), pd.Series(["eens", "oneens"]), a_clusters=[],
                                    b_clusters=["M1", "M2"], positive=EENS)
    assert math.isnan(empty.p_value) and not empty.significant and empty.a.n == 0
    alike = stats.compare_clustered(pd.Series(["eens"] * 4), pd.Series(["eens"] * 3), a_clusters=list("abcd"),
                                    b_clusters=list("abc"), positive=EENS)
    assert alike.p_value == 1.0 and not alike.significant
    one = stats.clustered_share(pd.Series(["eens", "oneens"]), ["M1", "M1"], EENS)
    assert one.n == 1 and math.isnan(one.ci_low)
    with pytest.raises(ValueError, match="clusters have length"):
        stats.clustered_share(pd.Series(["eens", "oneens"]), ["M1"], EENS)


def _pairs(seed: int, n: int = 250, agree: float = 0.85):
    rng = np.random.default_rng(seed)
    a = pd.Series(rng.choice(["eens", "oneens", "weet_niet"], n, p=[0.6, 0.35, 0.05]), index=[f"M{i}" for i in range(n)])
    keep = rng.random(n) < agree
    b = pd.Series(np.where(keep, a, rng.choice(["eens", "oneens"], n, p=[0.2, 0.8])), index=a.index)
    b.iloc[:5] = None  # five did not answer b: they drop out of both sides
    return a, b


def _mcnemar_table(a, b):
    both = a.notna() & b.notna()
    x, y = a[both].isin(EENS), b[both].isin(EENS)
    return np.array([[np.sum(x & y), np.sum(x & ~y)], [np.sum(~x & y), np.sum(~x & ~y)]])


@pytest.mark.parametrize("seed", [12, 13, 14])
def test_paired_shares_match_statsmodels_mcnemar(seed):
    from statsmodels.stats.contingency_tables import mcnemar

    a, b = _pairs(seed)
    table = _mcnemar_table(a, b)
    chi = stats.compare_paired_shares(a, b, EENS, exact=False)
    ref = mcnemar(table, exact=False, correction=False)
    assert chi.statistic == pytest.approx(ref.statistic) and chi.p_value == pytest.approx(ref.pvalue)
    assert chi.test == "McNemar (paired, chi-square)"
    exact = stats.compare_paired_shares(a, b, EENS, exact=True)
    ref = mcnemar(table, exact=True)
    assert exact.statistic == ref.statistic and exact.p_value == pytest.approx(ref.pvalue)
    assert exact.test == "McNemar (paired, exact binomial)"
    assert chi.a.n == chi.b.n == len(a) - 5  # only complete pairs
    assert chi.diff == pytest.approx(table[0].sum() / table.sum() - table[:, 0].sum() / table.sum())


def test_paired_test_uses_exact_binomial_for_few_discordant_pairs():
    a = pd.Series(["eens"] * 40 + ["oneens"] * 60)
    b = a.copy()
    b.iloc[:8] = "oneens"  # 8 discordant pairs, all one way
    cmp = stats.compare_paired_shares(a, b, EENS)
    assert cmp.test == "McNemar (paired, exact binomial)"
    assert cmp.p_value == pytest.approx(2 * 0.5**8)
    same = stats.compare_paired_shares(a, a, EENS)
    assert same.p_value == 1.0 and not same.significant


def test_pairing_finds_a_difference_the_independent_test_misses():
    # The same staff answer both items, mostly alike: a small shift is clear when paired.
    a = pd.Series(["eens"] * 120 + ["oneens"] * 80)
    b = a.copy()
    b.iloc[:14] = "oneens"
    b.iloc[199] = "eens"
    paired = stats.compare_paired_shares(a, b, EENS)
    independent = stats.compare_shares(stats.share(a, EENS), stats.share(b, EENS))
    assert paired.significant and not independent.significant


def test_paired_items_must_be_aligned_on_the_respondent():
    with pytest.raises(ValueError, match="aligned"):
        stats.compare_paired_shares(pd.Series(["eens"], index=["M1"]), pd.Series(["eens"], index=["M2"]), EENS)



# ----------------------------------------------------------------------------- frames


def test_group_shares(survey):
    out = stats.group_shares(survey, "item", EENS, "leeftijd", "gewicht",
                             order=["tot_27", "27_45", "45_plus", "onbekend"], total="Totaal")
    assert list(out.columns) == ["group", "value", "ci_low", "ci_high", "n", "n_eff"]
    assert list(out["group"]) == ["tot_27", "27_45", "45_plus", "onbekend", "Totaal"]
    m = survey["leeftijd"] == "27_45"
    direct = stats.share(survey.loc[m, "item"], EENS, survey.loc[m, "gewicht"])
    row = out.set_index("group").loc["27_45"]
    assert row["value"] == pytest.approx(direct.value) and row["n"] == direct.n
    assert out.set_index("group").loc["onbekend", "n"] == 0
    assert out["n"].iloc[:3].sum() == out["n"].iloc[-1]
    default = stats.group_shares(survey, "item", EENS, "geslacht")
    assert list(default["group"]) == ["man", "vrouw"]


def test_answer_distribution_adds_up(survey):
    items = {"item": "Stelling A"}
    out = stats.answer_distribution(survey, items, "gewicht", order=LIKERT,
                                    labels={"eens": "Eens"})
    assert list(out.columns) == ["stelling", "antwoord", "aandeel", "n"]
    assert out["aandeel"].sum() == pytest.approx(1.0)
    assert "Eens" in set(out["antwoord"]) and (out["stelling"] == "Stelling A").all()
    assert out["n"].nunique() == 1 and out["n"].iloc[0] == survey["item"].notna().sum()
