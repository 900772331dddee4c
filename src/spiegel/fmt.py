"""Dutch number formatting and phrasing for the report's text and tables.

Rounding is *half up* everywhere (0.565 → "57%", 7.45 → "7,5", 2.5 → "3"), on the number as
printed with 12 significant digits, so float noise such as 56.49999999999999 cannot flip it.
Missing values (None, NaN, pd.NA) print as :data:`spiegel.sdc.SUPPRESSED_MARK`. Every function
that takes a number also takes an :class:`~spiegel.stats.Estimate` (its ``value`` is used).
Decimal comma, thousands point ("1.234,56"), negative numbers with "-".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from spiegel.sdc import SUPPRESSED_MARK
from spiegel.stats import Estimate

Number = float | int | Decimal | Estimate | None


# ----------------------------------------------------------------------------- numbers


def _value(x: Number) -> float | Decimal | None:
    if isinstance(x, Estimate):
        x = x.value
    if x is None or x is pd.NA:
        return None
    if isinstance(x, Decimal):
        return None if x.is_nan() else x
    xf = float(x)
    return None if math.isnan(xf) else xf


def _dec(x: float | Decimal) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if math.isinf(x):
        raise ValueError("cannot format an infinite number")
    return Decimal(format(x, ".12g"))


def _round(d: Decimal, decimals: int) -> Decimal:
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return q.copy_abs() if q == 0 else q  # no "-0"


def _dutch(d: Decimal, decimals: int) -> str:
    s = f"{abs(d):,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if d < 0 else "") + s


def number(x: Number, decimals: int = 0, *, mark: str = SUPPRESSED_MARK) -> str:
    """``416000`` → "416.000", ``7.5`` → "7,5" (decimals=1), ``-1234.561`` → "-1.234,56" (2)."""
    v = _value(x)
    if v is None:
        return mark
    return _dutch(_round(_dec(v), decimals), decimals)


def pct(share: Number, decimals: int = 0, *, mark: str = SUPPRESSED_MARK) -> str:
    """Share 0–1 as a percentage: ``0.565`` → "57%", ``0.5667`` → "56,7%" (decimals=1)."""
    v = _value(share)
    if v is None:
        return mark
    return _dutch(_round(_dec(v) * 100, decimals), decimals) + "%"


def pp(diff: Number, decimals: int = 0, *, mark: str = SUPPRESSED_MARK) -> str:
    """A difference of shares in percentage points: ``0.07`` → "7 procentpunt" (signed)."""
    v = _value(diff)
    if v is None:
        return mark
    return _dutch(_round(_dec(v) * 100, decimals), decimals) + " procentpunt"


def ci(est: Estimate, decimals: int = 0, *, mark: str = SUPPRESSED_MARK) -> str:
    """The confidence interval as "53–61%" (shares) or "6,8–7,4" (means)."""
    if _value(est.ci_low) is None or _value(est.ci_high) is None:
        return mark
    if est.kind == "share":
        return f"{pct(est.ci_low, decimals)[:-1]}–{pct(est.ci_high, decimals)}"
    d = max(decimals, 1)
    return f"{number(est.ci_low, d)}–{number(est.ci_high, d)}"


def thousands(x: Number, decimals: int = 0, *, mark: str = SUPPRESSED_MARK) -> str:
    """Count in thousands as CBS tables print it: ``416000`` → "416 dzd"."""
    v = _value(x)
    if v is None:
        return mark
    return _dutch(_round(_dec(v) / 1000, decimals), decimals) + " dzd"


def grade(x: Number, *, mark: str = SUPPRESSED_MARK) -> str:
    """A report mark with one decimal: ``7.45`` → "7,5"."""
    return number(x, 1, mark=mark)


# ----------------------------------------------------------------------------- words

_UNITS = ["nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien",
          "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien", "achttien",
          "negentien"]
_TENS = {2: "twintig", 3: "dertig", 4: "veertig", 5: "vijftig", 6: "zestig", 7: "zeventig",
         8: "tachtig", 9: "negentig"}


def words(n: int) -> str:
    """Dutch number word for 0–100: 1 → "één", 18 → "achttien", 34 → "vierendertig",
    22 → "tweeëntwintig", 100 → "honderd"."""
    if isinstance(n, bool) or int(n) != n or not 0 <= n <= 100:
        raise ValueError(f"words() takes an integer 0–100, got {n!r}")
    n = int(n)
    if n == 100:
        return "honderd"
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    if unit == 0:
        return _TENS[tens]
    u = "een" if unit == 1 else _UNITS[unit]
    return u + ("ën" if u.endswith("e") else "en") + _TENS[tens]


def count_of(k: int, n: int) -> str:
    """"achttien van de vierendertig"; in digits when n > 100 ("179 van de 700")."""
    if n > 100:
        return f"{number(k)} van de {number(n)}"
    return f"{words(k)} van de {words(n)}"


def capitalize(text: str) -> str:
    """Sentence-initial capital, Dutch style: "één op de drie" → "Eén op de drie"."""
    if text.startswith("één"):
        return "Eén" + text[3:]
    return text[:1].upper() + text[1:]


# ----------------------------------------------------------------------------- approximations

#: (fraction, phrase) candidates of :func:`fraction_phrase`, in increasing order.
FRACTIONS: tuple[tuple[float, str], ...] = (
    (1 / 10, "één op de tien"),
    (1 / 5, "één op de vijf"),
    (1 / 4, "een kwart"),
    (3 / 10, "drie op de tien"),
    (1 / 3, "één op de drie"),
    (2 / 5, "vier op de tien"),
    (1 / 2, "de helft"),
    (3 / 5, "zes op de tien"),
    (2 / 3, "twee op de drie"),
    (7 / 10, "zeven op de tien"),
    (3 / 4, "driekwart"),
    (4 / 5, "vier op de vijf"),
    (9 / 10, "negen op de tien"),
)


def fraction_phrase(
    share: Number,
    *,
    tolerance: float = 0.04,
    fractions: Sequence[tuple[float, str]] = FRACTIONS,
) -> str:
    """Approximate a share with the nearest simple fraction, as the report words it.

    With d = share − fraction for the nearest fraction in ``fractions``:
    |d| ≤ 0.005 → the plain phrase ("één op de drie"); |d| ≤ 0.015 → "ongeveer …";
    otherwise, up to ``tolerance`` (0.04), "ruim …" above and "bijna …" below the fraction.
    Further than ``tolerance`` from every fraction: :func:`pct` ("15%"). On a tie the smaller
    fraction wins. Examples: 0.33 → "één op de drie", 0.52 → "ongeveer de helft",
    0.54 → "ruim de helft", 0.47 → "bijna de helft", 0.15 → "15%".
    """
    v = _value(share)
    if v is None:
        return SUPPRESSED_MARK
    v = float(v)
    frac, phrase = min(fractions, key=lambda fp: (round(abs(v - fp[0]), 9), fp[0]))
    d = round(v - frac, 9)
    if abs(d) > tolerance:
        return pct(v)
    if abs(d) <= 0.005:
        return phrase
    if abs(d) <= 0.015:
        return f"ongeveer {phrase}"
    return f"ruim {phrase}" if d > 0 else f"bijna {phrase}"


def approx_pct(share: Number, *, step: int = 5, about: str = "circa") -> str:
    """A rounded percentage with a qualifier: "circa 40%", "ruim 40%", "bijna 40%".

    m = the percentage rounded (half up) to the nearest multiple of ``step`` (5), d = pct − m:
    |d| < 1 → "circa m%"; d ≥ 1 → "ruim m%"; d ≤ −1 → "bijna m%". So 40,6% → "circa 40%",
    41,2% → "ruim 40%", 42,4% → "ruim 40%", 42,6% → "bijna 45%", 38,9% → "bijna 40%".
    When m = 0 (below step/2 %) the exact :func:`pct` is returned ("2%").
    """
    v = _value(share)
    if v is None:
        return SUPPRESSED_MARK
    p = _dec(v) * 100
    m = _round(p / step, 0) * step
    d = p - m
    if m == 0:
        return pct(v)
    label = f"{_dutch(m, 0)}%"
    if abs(d) < 1:
        return f"{about} {label}"
    return f"ruim {label}" if d > 0 else f"bijna {label}"


# ----------------------------------------------------------------------------- dates

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")


def month(period: str) -> str:
    """A ``YYYY-MM`` month in words: "2021-03" → "maart 2021"."""
    year, mon = str(period).split("-")[:2]
    return f"{MONTHS[int(mon) - 1]} {int(year)}"


def month_range(first: str, last: str) -> str:
    """"2021-03", "2021-06" → "maart t/m juni 2021" (the year once when both share it)."""
    a, b = month(first), month(last)
    if a.split()[1] == b.split()[1]:
        a = a.split()[0]
    return f"{a} t/m {b}"
