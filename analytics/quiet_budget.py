"""How long a quiet spell at home may last before it is alarming, from a false-alert budget.

Every activation starts a quiet spell that lasts until the next one. Its *context* is the sensor
that fired and the hour of day. From the household's own history, for each context: how many
spells start there a day, and how its longest spells are spread. The tail beyond the context's
``TOP_K``-th longest spell ``u`` is modelled as exponential (peaks over a threshold), ``p`` the
share of spells at least ``u`` long, ``sigma`` the mean excess of the longest spells over ``u``.
A context is estimated from its hour and the hours either side (``POOL_HOURS``).

``sigma`` is known only from a few excesses (``alpha`` of them, counting the shrinkage below), so
the chance of a spell longer than any seen is taken from the predictive tail, not from the
exponential with ``sigma`` taken as exact: ``P(spell >= t) = p * (1 + (t - u) / (alpha *
sigma)) ** -alpha`` (Lomax). It is the exponential for many excesses and heavier for few: eight
days of history cannot show that a quiet spell happens less than once a year.

The care organisation sets one number, the budget: how many false inactivity alerts a home may
cause a month. A limit ``L`` in a context costs ``spells a day * P(spell >= L)`` expected alerts a
day; the limits are chosen so these costs, summed over all contexts, stay within the budget. The
budget is shared the way that keeps the expected delay of a real incident lowest (Lagrange: a
context's share is proportional to how often an incident would start there, its spells a day,
times its tail scale), which gives ``L = u + alpha * sigma * (r ** (1 / alpha) - 1)`` with ``r =
spells a day * p / share`` (``u + sigma * ln(r)`` for many excesses).

Few spells say little: each context's ``p`` and ``sigma`` are shrunk toward the household's
figures for that hour (all sensors), which are shrunk in turn toward cautious population priors,
so a short history gives long limits, not trigger-happy ones. Limits are kept between a floor and
a ceiling. A context never seen gets the household's figures for its hour, as if it started one
spell a day.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: a quiet spell shorter than this is not remembered (minutes)
SPELL_MIN = 20.0
#: population priors of the tail scale (minutes), by day and at night, and of the share of long spells
PRIOR_SIGMA_DAY, PRIOR_SIGMA_NIGHT = 90.0, 240.0
PRIOR_P = 0.1
#: how many of a context's longest spells describe its tail
TOP_K = 8
#: pseudo-count: how many spells the wider figures (hour, population) are worth in a context's estimate
SHRINK = 3.0
#: a context is estimated from its hour and this many hours either side (across midnight)
POOL_HOURS = 1


def _night(hour: int) -> bool:
    return hour >= 22 or hour < 7


@dataclass(frozen=True)
class Tail:
    """One context's fitted tail: spells a day starting there, share at least ``u`` long, scale."""

    per_day: float
    p: float
    sigma: float
    u: float
    #: how many excesses ``sigma`` is known from (``_survival``)
    alpha: float

    def per_30d(self, minutes: float) -> float:
        """Expected spells a month in this context lasting ``minutes`` or more (beyond ``u``)."""
        over = max(0.0, minutes - self.u)
        return 30.0 * self.per_day * self.p * _survival(over, self.sigma, self.alpha)


def _survival(over, sigma, alpha):
    """The share of spells beyond ``u`` that last ``over`` minutes more: the exponential tail's
    predictive form when its scale ``sigma`` is estimated from ``alpha`` excesses (Lomax)."""
    return (1.0 + over / (alpha * sigma)) ** (-alpha)


def excess_for(ratio, sigma, alpha):
    """The excess over ``u`` at which :func:`_survival` falls to ``1 / ratio``."""
    return alpha * sigma * (ratio ** (1.0 / alpha) - 1.0)


def _top(gaps: list[float], k: int) -> tuple[float, int, float] | None:
    """(threshold = the k-th longest, how many, their summed excess) or None with fewer than 2."""
    top = sorted(gaps, reverse=True)[:k]
    if len(top) < 2:
        return None
    u = top[-1]
    return u, len(top), sum(g - u for g in top)


class QuietBudget:
    """Per-context quiet limits that keep expected false alerts within ``budget_per_30d``."""

    def __init__(self, spells: dict[str, list[list[float]]], counts: dict[str, list[float]], days: float, *,
                 budget_per_30d: float = 2.0, floor_min: float = 45.0, ceiling_min: float = 16 * 60) -> None:
        self.days = max(float(days), 1.0)
        self.budget = budget_per_30d
        sensors = sorted(set(counts) | set(spells))
        self.sensors = {s: i for i, s in enumerate(sensors)}
        n = np.zeros((len(sensors), 24))  # spells begun per sensor and hour
        for i, s in enumerate(sensors):
            n[i] = np.asarray(counts.get(s, [0.0] * 24), dtype=float)
        pooled_n = n.copy()
        for k in range(1, POOL_HOURS + 1):
            pooled_n += np.roll(n, k, axis=1) + np.roll(n, -k, axis=1)
        long: list[list[list[float]]] = [[[] for _ in range(24)] for _ in sensors]
        for i, s in enumerate(sensors):
            for start, minutes in spells.get(s, []):
                h = int(start // 60) % 24
                for d in range(-POOL_HOURS, POOL_HOURS + 1):
                    long[i][(h + d) % 24].append(minutes)

        # the household by hour (all sensors), shrunk toward the population prior
        self.hour_u = np.full(24, SPELL_MIN)
        self.hour_p = np.full(24, PRIOR_P)
        self.hour_sigma = np.array([PRIOR_SIGMA_NIGHT if _night(h) else PRIOR_SIGMA_DAY for h in range(24)])
        self.hour_alpha = np.full(24, SHRINK)
        for h in range(24):
            top = _top([g for row in long for g in row[h]], TOP_K)
            total = float(pooled_n[:, h].sum())
            if top is not None and total > 0:
                u, k, excess = top
                self.hour_u[h], self.hour_p[h] = u, k / total
                self.hour_alpha[h] = k - 1 + SHRINK
                self.hour_sigma[h] = (excess + SHRINK * self.hour_sigma[h]) / self.hour_alpha[h]

        # each context, shrunk toward its hour
        shape = (len(sensors), 24)
        self.u, self.p, self.sigma = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        self.alpha = np.zeros(shape)
        for i in range(len(sensors)):
            for h in range(24):
                top = _top(long[i][h], TOP_K)
                if top is None:
                    u = self.hour_u[h]
                    over = sum(1 for g in long[i][h] if g >= u)
                    self.u[i, h], self.sigma[i, h] = u, self.hour_sigma[h]
                    self.alpha[i, h] = self.hour_alpha[h]
                    self.p[i, h] = (over + SHRINK * self.hour_p[h]) / (pooled_n[i, h] + SHRINK)
                else:
                    u, k, excess = top
                    self.u[i, h], self.p[i, h] = u, k / max(pooled_n[i, h], k)
                    self.alpha[i, h] = k - 1 + SHRINK
                    self.sigma[i, h] = (excess + SHRINK * self.hour_sigma[h]) / self.alpha[i, h]
        self.per_day = n / self.days

        # the budget shared to keep the expected delay lowest: share ~ spells a day x tail scale
        weight = self.per_day * self.sigma
        total_weight = float(weight.sum())
        budget_day = budget_per_30d / 30.0
        share = budget_day * weight / total_weight if total_weight > 0 else np.zeros(shape)
        expected = self.per_day * self.p
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.where(expected > share, self.u + excess_for(expected / share, self.sigma, self.alpha), self.u)
        self.limits = np.clip(np.nan_to_num(raw, nan=ceiling_min), floor_min, ceiling_min)
        # a context never seen: the hour's figures, as if it began one spell a day
        unseen_share = np.minimum(budget_day * self.hour_sigma / max(total_weight, 1e-9), budget_day)
        unseen_ratio = np.maximum(self.hour_p / unseen_share, 1.0)
        unseen = self.hour_u + excess_for(unseen_ratio, self.hour_sigma, self.hour_alpha)
        self.unseen = np.clip(unseen, floor_min, ceiling_min)

    def limit(self, sensor: str, hour: int) -> tuple[float, Tail]:
        """(limit in minutes, the context's tail) for a quiet spell that began with ``sensor`` at
        ``hour`` (0-23)."""
        i = self.sensors.get(sensor)
        if i is None or self.per_day[i, hour] <= 0:
            tail = Tail(1.0, float(self.hour_p[hour]), float(self.hour_sigma[hour]), float(self.hour_u[hour]),
                        float(self.hour_alpha[hour]))
            return float(self.unseen[hour]), tail
        tail = Tail(float(self.per_day[i, hour]), float(self.p[i, hour]), float(self.sigma[i, hour]),
                    float(self.u[i, hour]), float(self.alpha[i, hour]))
        return float(self.limits[i, hour]), tail

    def expected_per_30d(self) -> float:
        """The false alerts a month these limits are expected to cost, summed over the contexts seen."""
        over = np.maximum(self.limits - self.u, 0.0)
        return float(30.0 * (self.per_day * self.p * _survival(over, self.sigma, self.alpha)).sum())


def spell_table(t: np.ndarray, sid: np.ndarray, names: dict[int, str], out_start: np.ndarray,
                drop_end: np.ndarray, keep_start: np.ndarray) -> tuple[dict, dict]:
    """Quiet spells from sorted activation times ``t`` (minutes) and their sensor ids ``sid``.

    Left out: spells begun while out (``out_start``, per activation), spells ended by coming home
    (``drop_end``, per gap), spells begun where ``keep_start`` is False (e.g. days away). Returns
    per sensor the spells of ``SPELL_MIN`` or more as [minute of day of the start, minutes], and
    per sensor 24 hourly counts of all the spells it began."""
    if t.size < 2:
        return {}, {}
    gaps = np.diff(t)
    keep = ~out_start[:-1] & ~drop_end & keep_start[:-1]
    hour = ((t[:-1] % 1440) // 60).astype(int)
    spells: dict[str, list[list[float]]] = {}
    counts: dict[str, list[float]] = {}
    for i in np.unique(sid[:-1][keep]):
        sel = keep & (sid[:-1] == i)
        name = names[int(i)]
        counts[name] = [float(c) for c in np.bincount(hour[sel], minlength=24)]
        long = sel & (gaps >= SPELL_MIN)
        spells[name] = [[round(float(a % 1440), 1), round(float(g), 1)] for a, g in zip(t[:-1][long], gaps[long])]
    return spells, counts
