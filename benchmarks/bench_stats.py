"""Timing of pianozona.analysis.stats on large and region-sized inputs (a script, not a test).

Run:  .venv/bin/python benchmarks/bench_stats.py

(a) proportion and rate intervals for 1,000,000 units;
(b) per-comune statistics (rate with limits, funnel limits and position,
    benchmark against the region at 95% and 99.8%) for 1,500 comuni.
Targets: under 1 s each.  Prints the best and the median of a few repeats.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from pianozona.analysis.stats import benchmark, funnel_limits, funnel_significance, proportion_ci, rate_ci

REPEATS = 5
TARGET_S = 1.0


def timed(label: str, func, repeats: int = REPEATS) -> float:
    """Run `func` `repeats` times and print best and median wall time."""
    func()  # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    flag = "ok" if median < TARGET_S else "OLTRE L'OBIETTIVO"
    print(f"{label:<58} migliore {best * 1000:8.1f} ms   mediana {median * 1000:8.1f} ms   [{flag}]")
    return median


def units(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Populations from 50 to 300,000 (log-uniform) and counts around 2 per 1000."""
    rng = np.random.default_rng(seed)
    pop = np.round(np.exp(rng.uniform(np.log(50), np.log(300_000), size)))
    count = rng.poisson(pop * rng.uniform(0.0005, 0.004, size)).astype(float)
    return count, pop


def per_comune(count: np.ndarray, pop: np.ndarray) -> None:
    """What a report computes for each comune of a region."""
    value, lower, upper = rate_ci(count, pop, 0.95, 1000)
    strict = rate_ci(count, pop, 0.998, 1000)
    regional = count.sum() / pop.sum() * 1000
    funnel_limits(regional, pop, statistic="rate", multiplier=1000)
    funnel_significance(count, pop, statistic="rate", multiplier=1000, italian=True)
    benchmark(value, lower, upper, regional, "high_is_good")
    benchmark(*strict, regional, "high_is_good")


def main() -> None:
    count, pop = units(1_000_000, seed=1)
    small = (count < 10).mean()
    print(f"(a) 1.000.000 unità ({small:.0%} con meno di 10 eventi: limiti esatti di Poisson)")
    timed("proportion_ci (Wilson), 95%", lambda: proportion_ci(count, pop, 0.95))
    timed("rate_ci (Poisson esatto / Byar), 95%", lambda: rate_ci(count, pop, 0.95, 1000))
    timed("rate_ci (Poisson esatto / Byar), 99,8%", lambda: rate_ci(count, pop, 0.998, 1000))
    fractional = count + 0.5  # worst case: non-integer small counts go through chi2.ppf
    timed("rate_ci con conteggi non interi (caso peggiore)", lambda: rate_ci(fractional, pop, 0.95, 1000))

    c_count, c_pop = units(1_500, seed=2)
    print("(b) 1.500 comuni: tasso + limiti 95%/99,8% + imbuto + confronto con la regione")
    timed("statistiche per comune", lambda: per_comune(c_count, c_pop), repeats=20)


if __name__ == "__main__":
    main()
