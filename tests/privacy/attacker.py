"""The attacker of the privacy tests: what an adversary who knows the method can recompute.

The adversarial tests do not trust the package: `recomputable` plays the
attacker.  It takes the published table, writes one equation per published
total (district total = sum of the comuni, area total = sum of the areas, ...)
and, knowing the method (a "< 5" cell is 1..4, a secondary cell is at least 5,
zeros are shown), asks a linear programme for the smallest and largest value
of every hidden cell.  A cell is recomputed when only one whole number fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from tests.privacy.tables import KEYS, LABELS


def recomputable(out, raw, *, count="utenti", keys=KEYS, margins=("comune",), threshold=4,
                 external=False, integer=False):
    """Hidden cells of `out` whose value an attacker can work out exactly.

    Returns a list of (row label, true value).  `external=True`: groups without
    a total row have their total published elsewhere (then a total from 1 to
    `threshold` is itself hidden there).  Also checks that the true values
    satisfy the attacker's model, so the test cannot pass vacuously.
    `integer=True` solves integer programmes instead (needed beyond two
    margins, where the linear relaxation can be weaker than the attacker).
    """
    hidden = out[count + "_soppresso"].to_numpy(dtype=bool)
    kind = out[count + "_soppressione"].to_numpy()
    published = out[count].to_numpy(dtype=float)
    truth = raw.loc[out.index, count].to_numpy(dtype=float)
    assert np.isnan(published[hidden]).all()
    np.testing.assert_array_equal(published[~hidden], truth[~hidden])

    var = {pos: j for j, pos in enumerate(np.flatnonzero(hidden))}
    big = float(np.nansum(truth)) + 1000
    bounds = [(1, threshold) if kind[pos] == "primaria" else (threshold + 1, big) for pos in var]
    true_x = [truth[pos] for pos in var]
    rows_eq = []
    consts = []
    positions = pd.Series(np.arange(len(out)), index=out.index)
    for dim in margins:
        others = [k for k in keys if k != dim]
        is_total = out[dim].isin(LABELS).to_numpy()
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
                    const -= published[p]
            if totals:
                t = totals[0]
                if hidden[t]:
                    coefs[var[t]] = coefs.get(var[t], 0.0) - 1.0
                else:
                    const += published[t]
            elif external:
                external_total = truth[parts].sum()
                if 1 <= external_total <= threshold:  # hidden where it is published
                    j = len(bounds)
                    bounds.append((1, threshold))
                    true_x.append(external_total)
                    coefs[j] = -1.0
                else:
                    const += external_total
            else:
                continue
            rows_eq.append(coefs)
            consts.append(const)
    n = len(bounds)
    if not var:
        return []
    a_eq = np.zeros((max(len(rows_eq), 1), n))
    for i, coefs in enumerate(rows_eq):
        for j, c in coefs.items():
            a_eq[i, j] = c
    b_eq = np.array(consts if consts else [0.0])
    # the truth satisfies the attacker's model
    x = np.array(true_x)
    np.testing.assert_allclose(a_eq @ x, b_eq)
    assert all(lo <= xi <= hi for xi, (lo, hi) in zip(x, bounds))

    found = []
    labels = list(out.index)
    def solve(objective):
        if not integer:
            return linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        lows, highs = zip(*bounds)
        return milp(objective, constraints=LinearConstraint(a_eq, b_eq, b_eq), integrality=np.ones(n),
                    bounds=Bounds(np.array(lows, float), np.array(highs, float)))

    for pos, j in var.items():
        objective = np.zeros(n)
        objective[j] = 1.0
        low, high = solve(objective), solve(-objective)
        assert low.status == 0 and high.status == 0
        if np.ceil(low.fun - 1e-7) == np.floor(-high.fun + 1e-7):
            found.append((labels[pos], truth[pos]))
    return found
