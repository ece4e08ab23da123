"""Small-number protection (pianozona.privacy).

The adversarial tests do not trust the module: `recomputable` plays the
attacker.  It takes the published table, writes one equation per published
total (district total = sum of the comuni, area total = sum of the areas, ...)
and, knowing the method (a "< 5" cell is 1..4, a secondary cell is at least 5,
zeros are shown), asks a linear programme for the smallest and largest value
of every hidden cell.  A cell is recomputed when only one whole number fits.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from pianozona.errors import ParameterError
from pianozona.privacy import (
    PUBLISH_ENV_VAR,
    PrivacyWarning,
    format_suppressed,
    is_publish_mode,
    protect,
    set_publish_mode,
    suppression_legend,
)

DISTRICT = "Totale distretto"
ALL_AREAS = "Totale"
LABELS = {DISTRICT, ALL_AREAS}
KEYS = ["anno", "comune", "area"]


@pytest.fixture(autouse=True)
def exploration_mode(monkeypatch):
    """Every test starts (and ends) in exploration mode."""
    monkeypatch.delenv(PUBLISH_ENV_VAR, raising=False)
    set_publish_mode(False)
    yield
    set_publish_mode(False)


# ---------------------------------------------------------------------------
# the attacker


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


# ---------------------------------------------------------------------------
# table builders


def one_area(values: dict[str, int], total: int | None = "sum") -> pd.DataFrame:
    rows = [{"anno": 2023, "comune": c, "area": "anziani", "utenti": v} for c, v in values.items()]
    if total is not None:
        rows.append({"anno": 2023, "comune": DISTRICT, "area": "anziani",
                     "utenti": sum(values.values()) if total == "sum" else total})
    return pd.DataFrame(rows)


def district_long(seed: int, n_comuni=12, areas=("anziani", "minori", "disabili"), years=(2022, 2023)):
    """Comuni x areas x years plus a 'Totale distretto' row per year and area."""
    rng = np.random.default_rng(seed)
    rows = []
    for anno in years:
        for area in areas:
            draws = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40], size=n_comuni,
                               p=[.2, .1, .1, .05, .05, .1, .1, .1, .1, .1])
            for i, v in enumerate(draws):
                rows.append({"anno": anno, "comune": f"C{i:02d}", "area": area, "utenti": int(v)})
            rows.append({"anno": anno, "comune": DISTRICT, "area": area, "utenti": int(draws.sum())})
    return pd.DataFrame(rows)


def two_way(matrix: np.ndarray, anno=2023) -> pd.DataFrame:
    """Comuni x areas with district totals, area totals and the grand total."""
    matrix = np.asarray(matrix)
    comuni = [f"C{i}" for i in range(matrix.shape[0])] + [DISTRICT]
    areas = [f"A{j}" for j in range(matrix.shape[1])] + [ALL_AREAS]
    full = np.zeros((matrix.shape[0] + 1, matrix.shape[1] + 1), dtype=int)
    full[:-1, :-1] = matrix
    full[-1, :-1] = matrix.sum(axis=0)
    full[:-1, -1] = matrix.sum(axis=1)
    full[-1, -1] = matrix.sum()
    rows = [{"anno": anno, "comune": c, "area": a, "utenti": int(full[i, j])}
            for i, c in enumerate(comuni) for j, a in enumerate(areas)]
    return pd.DataFrame(rows)


def hidden_comuni(out: pd.DataFrame) -> set[str]:
    return set(out.loc[out["utenti_soppresso"], "comune"])


def protect_long(df, **kwargs):
    kwargs.setdefault("counts", "utenti")
    kwargs.setdefault("keys", KEYS)
    kwargs.setdefault("groups", ["comune"])
    kwargs.setdefault("publish", True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrivacyWarning)
        return protect(df, **kwargs)


# ---------------------------------------------------------------------------
# primary suppression


def test_primary_hides_one_to_four_keeps_zero_and_five():
    df = pd.DataFrame({"comune": list("ABCDEFG"), "utenti": [0, 1, 2, 3, 4, 5, 6]})
    out = protect(df, counts="utenti", publish=True)
    assert out["utenti"].isna().tolist() == [False, True, True, True, True, False, False]
    assert out.loc[0, "utenti"] == 0 and not out.loc[0, "utenti_soppresso"]
    assert out.loc[5, "utenti"] == 5
    assert out["utenti_soppressione"].tolist() == ["", "primaria", "primaria", "primaria", "primaria", "", ""]
    assert out["utenti"].dtype == "float64"  # numeric, NaN where hidden: charts keep working
    assert df["utenti"].tolist() == [0, 1, 2, 3, 4, 5, 6]  # input untouched


def test_custom_threshold_changes_range_and_marker():
    df = pd.DataFrame({"comune": list("ABCD"), "utenti": [0, 9, 10, 1]})
    out = protect(df, counts="utenti", threshold=9, publish=True)
    assert out["utenti_soppresso"].tolist() == [False, True, False, True]
    shown = format_suppressed(out)
    assert shown["utenti"].tolist() == ["0", "< 10", "10", "< 10"]
    one = protect(df, counts="utenti", threshold=1, publish=True)
    assert one["utenti_soppresso"].tolist() == [False, False, False, True]


def test_several_count_columns_are_protected_independently():
    df = pd.DataFrame({"comune": list("AB"), "utenti": [3, 50], "accessi": [80, 2]})
    out = protect(df, counts=["utenti", "accessi"], publish=True)
    assert out["utenti_soppresso"].tolist() == [True, False]
    assert out["accessi_soppresso"].tolist() == [False, True]


# ---------------------------------------------------------------------------
# derived values


def test_rates_intervals_and_percentages_hidden_with_their_count():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    df["popolazione"] = [500, 900, 2000, 800, 4200]
    df["tasso"] = df["utenti"] / df["popolazione"] * 1000
    df["lower"] = df["tasso"] * 0.8
    df["upper"] = df["tasso"] * 1.2
    df["quota"] = df["utenti"] / 40 * 100
    df["pct_int"] = (df["utenti"] * 100 // 40).astype(int)
    derived = {c: "utenti" for c in ["tasso", "lower", "upper", "quota", "pct_int"]}
    out = protect_long(df, derived=derived)
    hidden = out["utenti_soppresso"].to_numpy()
    assert hidden.sum() == 2  # A (primary) and D (its complement)
    for col in derived:
        assert out.loc[hidden, col].isna().all(), col
        pd.testing.assert_series_equal(out.loc[~hidden, col].astype(float),
                                       df.loc[~hidden, col].astype(float), check_names=False)
    assert out["popolazione"].tolist() == df["popolazione"].tolist()  # not derived: carried along


def test_derived_on_two_counts_hidden_when_either_is():
    df = pd.DataFrame({"comune": list("ABC"), "uomini": [2, 30, 40], "donne": [30, 3, 40]})
    df["quota_donne"] = df["donne"] / (df["uomini"] + df["donne"])
    out = protect(df, counts=["uomini", "donne"], derived={"quota_donne": ["uomini", "donne"]}, publish=True)
    assert out["quota_donne"].isna().tolist() == [True, True, False]


# ---------------------------------------------------------------------------
# secondary suppression: adversarial cases


def test_one_hidden_cell_next_to_published_total():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    out = protect_long(df)
    # without a second cell: 40 - 10 - 20 - 7 = 3
    assert hidden_comuni(out) == {"A", "D"}  # D: the smallest non-zero published count
    assert out.loc[out["comune"] == "D", "utenti_soppressione"].item() == "secondaria"
    assert out.loc[out["comune"] == DISTRICT, "utenti"].item() == 40
    assert recomputable(out, df) == []
    naive = df.assign(utenti=df["utenti"].where(df["comune"] != "A"),
                      utenti_soppresso=df["comune"] == "A",
                      utenti_soppressione=np.where(df["comune"] == "A", "primaria", ""))
    assert recomputable(naive, df) == [(0, 3)]  # the attacker does find the naive leak


def test_district_total_minus_the_other_comuni():
    for seed in range(6):
        df = district_long(seed)
        out = protect_long(df)
        assert recomputable(out, df) == [], seed
        assert out.loc[out["comune"] == DISTRICT, "utenti_soppresso"].sum() <= 1
        per_group = out[out["comune"] != DISTRICT].groupby(["anno", "area"])["utenti_soppresso"].sum()
        assert not (per_group == 1).any()


def test_complement_is_never_a_zero_and_ties_follow_the_keys():
    df = one_area({"E": 8, "A": 3, "B": 0, "C": 0, "D": 8, "F": 20})
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "D"}  # 8 in D and E: D sorts first
    assert (out.loc[out["comune"].isin(["B", "C"]), "utenti"] == 0).all()
    shuffled = df.sample(frac=1, random_state=3)
    assert hidden_comuni(protect_long(shuffled)) == {"A", "D"}


def test_two_small_cells_that_add_up_to_what_is_left_are_not_enough():
    # 1 + 1 = 2 and both are known to be at least 1: both would be exact
    df = one_area({"A": 1, "B": 1, "C": 10, "D": 30})
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "B", "C"}
    assert recomputable(out, df) == []
    # 1 + 5 = 6 with the complement known to be at least 5: 1 would be exact
    df = one_area({"A": 1, "B": 5, "C": 9, "D": 30})
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "B", "C"}
    assert recomputable(out, df) == []


def test_only_nonzero_cell_hidden_then_total_hidden_too():
    df = one_area({"A": 3, "B": 0, "C": 0})
    out = protect_long(df)
    assert out.loc[out["comune"] == DISTRICT, "utenti_soppresso"].item()
    assert out.loc[out["comune"].isin(["B", "C"]), "utenti"].tolist() == [0, 0]
    assert recomputable(out, df) == []


def test_single_comune_group_with_larger_total_hides_the_total():
    # the total also counts users without a comune: 12 is published, 3 is hidden
    df = one_area({"A": 3}, total=12)
    out = protect_long(df)
    assert out["utenti_soppressione"].tolist() == ["primaria", "secondaria"]


def test_total_published_elsewhere_still_protected():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7}, total=None)
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "D"}
    assert recomputable(out, df, external=True) == []


def test_total_rows_marked_by_a_flag_column():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    df["comune"] = df["comune"].replace({DISTRICT: "Distretto di Pavia"})
    df["riga_totale"] = df["comune"] == "Distretto di Pavia"
    out = protect_long(df, keys=KEYS + ["riga_totale"], total_mask="riga_totale")
    assert hidden_comuni(out) == {"A", "D"}
    label = protect_long(df.drop(columns="riga_totale"), total_label="Distretto di Pavia")
    assert hidden_comuni(label) == {"A", "D"}


# ---------------------------------------------------------------------------
# two margins: comuni x areas, both with totals


def test_two_way_table_with_both_margins():
    matrix = np.array([[3, 12, 0, 25],
                       [14, 2, 9, 30],
                       [20, 18, 11, 0],
                       [0, 7, 40, 16]])
    df = two_way(matrix)
    out = protect_long(df, groups=["comune", "area"])
    assert recomputable(out, df, margins=("comune", "area")) == []
    # every row and column of the table has 0 or at least 2 hidden cells
    for dim in ("comune", "area"):
        other = "area" if dim == "comune" else "comune"
        assert not (out.groupby(other)["utenti_soppresso"].sum() == 1).any()


def test_two_way_random_tables_resist_the_attacker():
    rng = np.random.default_rng(7)
    for trial in range(12):
        matrix = rng.choice([0, 1, 2, 3, 5, 8, 13, 30], size=(6, 4), p=[.25, .15, .1, .1, .1, .1, .1, .1])
        df = two_way(matrix)
        out = protect_long(df, groups=["comune", "area"])
        assert recomputable(out, df, margins=("comune", "area")) == [], (trial, matrix)


def test_two_way_bridge_between_two_safe_blocks():
    """Each row and column has two hidden cells, yet C1/A2 follows from the totals."""
    matrix = np.full((5, 5), 50)
    for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        matrix[i, j] = 2
    df = two_way(matrix)
    naive = df.assign(utenti=df["utenti"].where(df["utenti"] != 2),
                      utenti_soppresso=df["utenti"] == 2,
                      utenti_soppressione=np.where(df["utenti"] == 2, "primaria", ""))
    assert recomputable(naive, df, margins=("comune", "area")) == [(8, 2)]  # C1, A2
    out = protect_long(df, groups=["comune", "area"])
    assert out["utenti_soppresso"].sum() > 9
    assert recomputable(out, df, margins=("comune", "area")) == []


def test_two_way_over_years_without_total_rows():
    rng = np.random.default_rng(11)
    frames = []
    for anno in (2022, 2023):
        t = two_way(rng.choice([0, 2, 4, 6, 9, 25], size=(5, 3)), anno=anno)
        frames.append(t[(t["comune"] != DISTRICT) & (t["area"] != ALL_AREAS)])
    df = pd.concat(frames, ignore_index=True)
    out = protect_long(df, groups=["comune", "area"])
    assert recomputable(out, df, margins=("comune", "area"), external=True) == []


def cube(values: np.ndarray) -> pd.DataFrame:
    """comune x area x sesso with every total (Totale distretto / Totale / Totale)."""
    comuni = [f"C{i}" for i in range(values.shape[0])] + [DISTRICT]
    areas = [f"A{j}" for j in range(values.shape[1])] + [ALL_AREAS]
    sexes = ["F", "M"][: values.shape[2]] + [ALL_AREAS]
    full = np.zeros(tuple(n + 1 for n in values.shape), dtype=int)
    full[:-1, :-1, :-1] = values
    for axis in range(3):  # add each margin in turn: margins of margins come out right
        index = [slice(None)] * 3
        index[axis] = -1
        source = [slice(None)] * 3
        source[axis] = slice(0, -1)
        full[tuple(index)] = full[tuple(source)].sum(axis=axis)
    return pd.DataFrame([{"comune": c, "area": a, "sesso": x, "utenti": int(full[i, j, k])}
                         for i, c in enumerate(comuni) for j, a in enumerate(areas)
                         for k, x in enumerate(sexes)])


def test_three_margins():
    """comune x area x sesso, every margin published (checked by linear programming)."""
    rng = np.random.default_rng(5)
    for trial in range(4):
        df = cube(rng.choice([0, 1, 3, 6, 12, 30], size=(4, 3, 2)))
        keys = ["comune", "area", "sesso"]
        out = protect_long(df, keys=keys, groups=keys)
        assert recomputable(out, df, keys=keys, margins=tuple(keys), integer=True) == [], trial


def test_two_way_with_totals_published_elsewhere_never_leaks_silently():
    """Totals outside the table cannot be hidden: protect must either protect or say so."""
    rng = np.random.default_rng(21)
    for trial in range(15):
        matrix = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40], size=(rng.integers(2, 6), rng.integers(2, 5)))
        df = two_way(matrix)
        if trial % 2:
            df = df[df["area"] != ALL_AREAS].reset_index(drop=True)  # area totals elsewhere
        else:
            df = df[(df["comune"] != DISTRICT) & (df["area"] != ALL_AREAS)].reset_index(drop=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = protect(df, counts="utenti", keys=KEYS, groups=["comune", "area"], publish=True)
        leaks = recomputable(out, df, margins=("comune", "area"), external=True)
        warned = any(issubclass(w.category, PrivacyWarning) for w in caught)
        assert not leaks or warned, (trial, matrix, leaks)


def test_unprotectable_external_total_is_reported():
    # district totals by area are published elsewhere: 84 - 40 - 40 = 4 whatever is hidden here
    df = two_way(np.array([[4, 0], [40, 40], [40, 15]]))
    df = df[(df["comune"] != DISTRICT) & (df["area"] != ALL_AREAS)].reset_index(drop=True)
    with pytest.warns(PrivacyWarning, match="protezione incompleta"):
        protect(df, counts="utenti", keys=KEYS, groups=["comune", "area"], publish=True)


def test_all_small_values_with_small_total_are_reported():
    # 1 + 1 + 1 + 1 with the total "< 5": the markers and the zeros give every cell away
    df = one_area({"A": 1, "B": 1, "C": 0, "D": 1, "E": 1})
    with pytest.warns(PrivacyWarning, match="sotto soglia"):
        out = protect(df, counts="utenti", keys=KEYS, groups="comune", publish=True)
    assert out["utenti"].isna().sum() == 5 and out.loc[2, "utenti"] == 0


# ---------------------------------------------------------------------------
# missing values


def test_missing_counts_stay_missing_and_are_not_used_as_cover():
    df = one_area({"A": 3, "B": 10, "C": 20, "D": 7})
    df["utenti"] = df["utenti"].astype("Int64")
    df.loc[1, "utenti"] = pd.NA  # B not reported
    out = protect_long(df)
    assert hidden_comuni(out) == {"A", "D"}
    assert not out.loc[1, "utenti_soppresso"] and pd.isna(out.loc[1, "utenti"])
    assert format_suppressed(out)["utenti"].tolist() == ["< 5", "", "20", "n.d.", "40"]


# ---------------------------------------------------------------------------
# exploration and publication


def test_exploration_returns_raw_data():
    df = district_long(1)
    assert not is_publish_mode()
    out = protect(df, counts="utenti", keys=KEYS, groups=["comune"])
    pd.testing.assert_frame_equal(out[df.columns], df)  # same values, same int dtype
    assert not out["utenti_soppresso"].any()
    assert out is not df
    assert out.attrs["pianozona.privacy"]["mode"] == "esplorazione"


@pytest.mark.parametrize("value, expected", [("1", True), ("sì", True), ("0", False), ("", False),
                                             ("false", False)])
def test_environment_variable_switches_publication(monkeypatch, value, expected):
    monkeypatch.setenv(PUBLISH_ENV_VAR, value)
    assert is_publish_mode() is expected
    out = protect(one_area({"A": 3, "B": 30}, total=None), counts="utenti")
    assert bool(out["utenti"].isna().any()) is expected


def test_explicit_flag_and_set_publish_mode(monkeypatch):
    df = one_area({"A": 3, "B": 30}, total=None)
    assert not protect(df, counts="utenti")["utenti"].isna().any()
    assert protect(df, counts="utenti", publish=True)["utenti"].isna().any()
    set_publish_mode(True)
    assert is_publish_mode()
    assert protect(df, counts="utenti")["utenti"].isna().any()
    set_publish_mode(False)
    monkeypatch.setenv(PUBLISH_ENV_VAR, "1")
    # a notebook cannot switch off the report runner
    assert protect(df, counts="utenti", publish=False)["utenti"].isna().any()


# ---------------------------------------------------------------------------
# display


def test_format_suppressed_markers_and_legend():
    df = one_area({"A": 3, "B": 1234, "C": 0, "D": 7})
    df["tasso"] = [1.5, 12.25, 0.0, 2.0, 8.0]
    out = protect_long(df, derived={"tasso": "utenti"})
    shown = format_suppressed(out)
    assert shown["utenti"].tolist() == ["< 5", "1.234", "0", "n.d.", "1.244"]
    assert shown["tasso"].tolist() == ["n.d.", "12,2", "0,0", "n.d.", "8,0"]
    assert "utenti_soppresso" not in shown.columns and "utenti_soppressione" not in shown.columns
    assert "«< 5»" in suppression_legend() and "n.d." in suppression_legend()
    raw_view = format_suppressed(protect(df, counts="utenti", keys=KEYS, groups="comune"))  # exploration
    assert raw_view["utenti"].tolist()[0] == "3"


# ---------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "kwargs, name, words",
    [
        ({"counts": "utenti_totali"}, "counts", "utenti_totali"),
        ({"counts": "utenti", "threshold": 0}, "threshold", "soglia"),
        ({"counts": "utenti", "threshold": 2.5}, "threshold", "soglia"),
        ({"counts": "utenti", "derived": {"tasso": "accessi"}}, "derived", "accessi"),
        ({"counts": "utenti", "derived": {"tassi": "utenti"}}, "derived", "tassi"),
        ({"counts": "utenti", "groups": ["comune"]}, "keys", "keys"),
        ({"counts": "utenti", "keys": ["anno", "area"], "groups": ["comune"]}, "groups", "comune"),
        ({"counts": "utenti", "keys": ["anno", "area"], "groups": ["area"]}, "keys", "stesse chiavi"),
    ],
)
def test_bad_arguments(kwargs, name, words):
    df = one_area({"A": 3, "B": 30}, total=None)
    df["tasso"] = 1.0
    with pytest.raises(ParameterError) as info:
        protect(df, **kwargs)
    assert info.value.name == name
    assert words in str(info.value)


@pytest.mark.parametrize("bad, words", [(-2, "negativi"), (2.5, "interi"), ("tre", "numerici")])
def test_bad_counts(bad, words):
    df = pd.DataFrame({"comune": list("ABC"), "utenti": [5, 7, 9]}).astype({"utenti": object})
    df.loc[1, "utenti"] = bad
    with pytest.raises(ParameterError) as info:
        protect(df, counts="utenti")  # checked in exploration too
    assert info.value.name == "utenti"
    assert words in str(info.value) and "riga 2" in str(info.value)


def test_unrecognised_total_label_is_refused():
    df = one_area({"A": 3, "B": 10, "C": 20})
    df["comune"] = df["comune"].replace({DISTRICT: "Totale distretto sociale"})
    with pytest.raises(ParameterError, match="total_label") as info:
        protect(df, counts="utenti", keys=KEYS, groups="comune")
    assert info.value.value == "Totale distretto sociale"
    out = protect_long(df, total_label="Totale distretto sociale")
    assert hidden_comuni(out) == {"A", "B"}


def test_undeclared_total_row_is_refused():
    df = one_area({"A": 3, "B": 10, "C": 20})
    with pytest.raises(ParameterError, match="Totale distretto"):
        protect(df, counts="utenti", publish=True)
    with pytest.raises(ParameterError, match="groups"):
        protect(df, counts="utenti", keys=KEYS, publish=True)


def test_protecting_twice_is_refused():
    out = protect_long(one_area({"A": 3, "B": 10, "C": 20}))
    with pytest.raises(ParameterError, match="già stata protetta"):
        protect(out, counts="utenti", keys=KEYS, groups="comune", publish=True)


# ---------------------------------------------------------------------------
# size


def _big_table(n_comuni=1500, n_areas=7, years=range(2019, 2024), two_way_totals=False):
    rng = np.random.default_rng(0)
    comuni = np.array([f"{i:06d}" for i in range(n_comuni)] + [DISTRICT])
    areas = np.array([f"area{j}" for j in range(n_areas)] + [ALL_AREAS])
    frames = []
    for anno in years:
        m = rng.choice([0, 1, 2, 3, 4, 6, 10, 25, 80], size=(n_comuni, n_areas))
        full = np.zeros((n_comuni + 1, n_areas + 1), dtype=int)
        full[:-1, :-1] = m
        full[-1, :-1] = m.sum(0)
        full[:-1, -1] = m.sum(1)
        full[-1, -1] = m.sum()
        ci, ai = np.meshgrid(np.arange(n_comuni + 1), np.arange(n_areas + 1), indexing="ij")
        frames.append(pd.DataFrame({"anno": anno, "comune": comuni[ci.ravel()], "area": areas[ai.ravel()],
                                    "utenti": full.ravel()}))
    df = pd.concat(frames, ignore_index=True)
    if not two_way_totals:
        df = df[df["area"] != ALL_AREAS].reset_index(drop=True)
    return df


def test_large_district_is_fast():
    df = _big_table()
    start = time.perf_counter()
    out = protect_long(df)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, elapsed
    per_group = out[out["comune"] != DISTRICT].groupby(["anno", "area"])["utenti_soppresso"].sum()
    assert (per_group >= 2).all()

    df2 = _big_table(two_way_totals=True)
    start = time.perf_counter()
    out2 = protect_long(df2, groups=["comune", "area"])
    elapsed2 = time.perf_counter() - start
    assert elapsed2 < 2.0, elapsed2
    assert not (out2.groupby(["anno", "comune"])["utenti_soppresso"].sum() == 1).any()
