"""The attacker of the privacy tests: what an adversary who knows the method can work out.

The adversarial tests do not trust the package: `ranges` plays the attacker.  It takes the
published table, writes one equation per published total (district total = sum of the comuni,
area total = sum of the areas, ...; an inequality, parts at most the total, where the parts add
up to less than their total) and, knowing the method (every hidden cell shows one marker and is
at least 1, zeros are shown), asks a linear or integer programme for the smallest and largest
value of every hidden cell.  `violations` lists the cells that break the page's promise: a small
count (1..threshold) must keep every value from 1 to the threshold possible, any other hidden
cell at least `threshold` values (a small count may instead show only that it could be above the
threshold, with `threshold` values: then nobody can tell it is small).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from tests.privacy.tables import KEYS, LABELS


def _system(out, raw, count, keys, margins, threshold, external, labels):
    hidden = out[count + "_soppresso"].to_numpy(dtype=bool)
    published = out[count].to_numpy(dtype=float)
    truth = raw.loc[out.index, count].to_numpy(dtype=float)
    assert np.isnan(published[hidden]).all()
    np.testing.assert_array_equal(published[~hidden], truth[~hidden])
    var = {pos: j for j, pos in enumerate(np.flatnonzero(hidden))}
    big = float(np.nansum(truth)) + 1000
    bounds = [(1.0, big) for _ in var]
    true_x = [truth[pos] for pos in var]
    rows, lows, highs = [], [], []
    positions = pd.Series(np.arange(len(out)), index=out.index)
    for dim in margins:
        others = [k for k in keys if k != dim]
        is_total = out[dim].isin(labels).to_numpy()
        for _, idx in out.groupby(others, sort=False).groups.items():
            pos = positions.loc[idx].to_numpy()
            parts = [p for p in pos if not is_total[p]]
            totals = [p for p in pos if is_total[p]]
            if not parts:
                continue
            coefs: dict[int, float] = {}
            const = 0.0
            for p in parts:
                if hidden[p]:
                    coefs[var[p]] = coefs.get(var[p], 0.0) + 1.0
                else:
                    const -= np.nan_to_num(published[p])
            if totals:
                t = totals[0]
                total_true = truth[t]
                if hidden[t]:
                    coefs[var[t]] = coefs.get(var[t], 0.0) - 1.0
                else:
                    const += published[t]
            elif external:
                total_true = np.nansum(truth[parts])
                if 1 <= total_true <= threshold:  # hidden where it is published
                    j = len(bounds)
                    bounds.append((1.0, big))
                    true_x.append(total_true)
                    coefs[j] = -1.0
                else:
                    const += total_true
            else:
                continue
            gap = np.nansum(truth[parts]) - total_true
            if gap > 0.5:
                continue  # parts above their total: nothing the attacker can rely on
            rows.append(coefs)
            highs.append(const)
            lows.append(const if abs(gap) < 0.5 else -np.inf)
    return var, bounds, true_x, rows, lows, highs, truth


def ranges(out, raw, *, count="utenti", keys=KEYS, margins=("comune",), threshold=4, external=False,
           integer=True, labels=LABELS):
    """Per hidden cell of `out`: (row label, true value, smallest, largest) the attacker can work out.

    `external=True`: groups without a total row have their total published elsewhere (then a total
    from 1 to `threshold` is itself hidden there).  `labels`: the values that mark a total row.  Also checks that the true values satisfy the
    attacker's model, so that a test cannot pass vacuously.
    """
    var, bounds, true_x, rows, lows, highs, truth = _system(out, raw, count, keys, margins, threshold, external,
                                                            labels)
    if not var:
        return []
    n = len(bounds)
    a = np.zeros((max(len(rows), 1), n))
    for i, coefs in enumerate(rows):
        for j, c in coefs.items():
            a[i, j] = c
    lo_side = np.array(lows if rows else [-np.inf])
    hi_side = np.array(highs if rows else [np.inf])
    x = np.array(true_x)
    assert np.all(a @ x <= hi_side + 1e-6) and np.all(a @ x >= lo_side - 1e-6)  # the truth fits the model
    assert all(lo <= xi <= hi for xi, (lo, hi) in zip(x, bounds))
    constraint = LinearConstraint(a, lo_side, hi_side)
    box = Bounds(np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds]))
    integrality = np.ones(n) if integer else np.zeros(n)
    labels = list(out.index)
    found = []
    for pos, j in var.items():
        objective = np.zeros(n)
        objective[j] = 1.0
        low = milp(objective, constraints=constraint, bounds=box, integrality=integrality)
        high = milp(-objective, constraints=constraint, bounds=box, integrality=integrality)
        assert low.status == 0 and high.status == 0
        found.append((labels[pos], truth[pos], round(low.fun), round(-high.fun)))
    return found


def violations(out, raw, *, threshold=4, **kwargs):
    """Hidden cells whose range breaks the promise: (label, true value, smallest, largest)."""
    bad = []
    big = float(np.nansum(raw[kwargs.get("count", "utenti")])) + 1000
    for label, truth, lo, hi in ranges(out, raw, threshold=threshold, **kwargs):
        hi = np.inf if hi >= big - 0.5 else hi
        few = hi - lo < threshold - 1
        if 1 <= truth <= threshold:
            if not ((lo <= 1 and hi >= threshold) or (not few and hi > threshold)):
                bad.append((label, truth, lo, hi))
        elif few:
            bad.append((label, truth, lo, hi))
    return bad


def recomputable(out, raw, **kwargs):
    """Hidden cells of `out` whose value an attacker can work out exactly: (row label, true value)."""
    return [(label, truth) for label, truth, lo, hi in ranges(out, raw, **kwargs) if lo == hi]
