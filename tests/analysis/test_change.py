"""The exact conditional test of two Poisson rates, against R's poisson.test and an independent binomial sum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pianozona import privacy
from pianozona.analysis import change, stats
from pianozona.errors import ParameterError


def _two_sided_p(x2: int, x1: int, n2: float, n1: float) -> float:
    """R's binom.test p-value, written out: sum of the outcomes no more likely than the observed one."""
    total, p = x1 + x2, n2 / (n1 + n2)
    pmf = st.binom.pmf(np.arange(total + 1), total, p)
    return float(min(1.0, pmf[pmf <= pmf[x2] * (1 + 1e-7)].sum()))


def test_matches_r_poisson_test_example():
    # R, ?poisson.test: poisson.test(c(11, 6 + 8 + 7), c(800, 1083 + 1050 + 878)) gives
    # rate ratio 1.971488, 95 percent CI 0.8584264 4.2772659, p-value = 0.07967
    got = change.rate_comparison(6 + 8 + 7, 1083 + 1050 + 878, 11, 800)
    assert got.ratio == pytest.approx(1.971488, abs=1e-6)
    assert (got.lower, got.upper) == pytest.approx((0.8584264, 4.2772659), abs=1e-6)
    assert got.p_value == pytest.approx(0.07967, abs=5e-6)
    assert got.verdict == change.CHANGE_VERDICTS["flat"]


@pytest.mark.parametrize("x1, n1, x2, n2", [(30, 1000, 55, 1000), (55, 1000, 30, 1000), (8, 250, 3, 260),
                                            (640, 26000, 700, 26100), (0, 100, 7, 100)])
def test_p_value_is_the_binomial_sum(x1, n1, x2, n2):
    got = change.rate_comparison(x1, n1, x2, n2)
    assert got.p_value == pytest.approx(_two_sided_p(x2, x1, n2, n1), rel=1e-9)
    expected = "flat" if got.p_value >= 0.05 else ("up" if x2 / n2 > x1 / n1 else "down")
    assert got.verdict == change.CHANGE_VERDICTS[expected]


def test_significant_changes_in_both_directions():
    assert change.rate_comparison(30, 1000, 60, 1000).verdict == "aumentata"
    assert change.rate_comparison(60, 1000, 30, 1000).verdict == "diminuita"
    assert change.rate_comparison(60, 1000, 30, 1000, confidence=0.999).verdict.startswith("stabile")


def test_arrays_missing_values_and_zeros():
    got = change.rate_comparison([3, np.nan, 0, 4], [100, 100, 100, 0], [9, 5, 0, 2], [100, 100, 100, 10])
    assert got.verdict.tolist() == [change.CHANGE_VERDICTS["flat"], change.NOT_COMPARABLE, change.NO_USERS,
                                    change.NOT_COMPARABLE]
    assert np.isnan(got.p_value[1:]).all() and got.ratio[0] == pytest.approx(3.0)
    assert np.isinf(change.rate_comparison(0, 100, 9, 100).ratio)


def test_bad_inputs_raise_parameter_errors():
    with pytest.raises(ParameterError, match="negativ"):
        change.rate_comparison(-1, 100, 3, 100)
    with pytest.raises(ParameterError):
        change.rate_comparison(1, 100, 3, 100, confidence=95)


def test_stats_namespace_offers_the_test():
    assert stats.rate_comparison is change.rate_comparison


def _protected(rows):
    table = pd.DataFrame(rows, columns=["anno", "comune", "utenti", "popolazione_a_rischio", "utenti_soppresso"])
    return table


def test_coverage_change_hides_what_rests_on_a_hidden_count():
    table = _protected([(2022, "A", 40.0, 1000, False), (2023, "A", 70.0, 1000, False),
                        (2022, "B", np.nan, 100, True), (2023, "B", 9.0, 100, False),
                        (2022, "Totale", 43.0, 1100, False), (2023, "Totale", 79.0, 1100, False)])
    got = change.coverage_change(table, 2023).set_index("comune")
    assert got.loc["A", "verdetto"] == "aumentata"
    assert got.loc["A", "p_value"] == pytest.approx(_two_sided_p(70, 40, 1000, 1000))
    assert got.loc["A", "differenza"] == pytest.approx(30.0)
    assert got.loc["B", "verdetto"] == change.NOT_COMPARABLE
    assert got.loc["B", ["utenti", "copertura", "differenza", "rapporto", "p_value"]].isna().all()
    assert (got["anno_precedente"] == 2022).all()
    assert change.coverage_change(table, 2022).empty


def test_change_sentence_names_the_direction_and_the_comuni():
    table = _protected([(2022, "A", 40.0, 1000, False), (2023, "A", 70.0, 1000, False),
                        (2022, "B", 50.0, 1000, False), (2023, "B", 48.0, 1000, False),
                        (2022, "Tot", 90.0, 2000, False), (2023, "Tot", 118.0, 2000, False)])
    text = change.change_sentence(change.coverage_change(table, 2023), 2023, district_label="Tot")
    assert "Tra il 2022 e il 2023 la copertura del distretto non cambia" in text
    assert "è aumentata in modo significativo a A" in text and " B" not in text
    hidden = table.assign(utenti_soppresso=table["comune"].eq("Tot") & table["anno"].eq(2022))
    assert "non è pubblicato" in change.change_sentence(change.coverage_change(hidden, 2023), 2023,
                                                        district_label="Tot")


def test_change_sentence_names_a_few_comuni_and_counts_the_rest():
    rows = [(2022, "Tot", 3000.0, 60000, False), (2023, "Tot", 3000.0, 60000, False)]
    for i in range(30):  # 30 comuni whose coverage doubles: all significant
        rows += [(2022, f"Comune {i:02d}", 40.0, 1000, False), (2023, f"Comune {i:02d}", 80.0, 1000, False)]
    text = change.change_sentence(change.coverage_change(_protected(rows), 2023), 2023, district_label="Tot")
    assert "è aumentata in modo significativo a Comune 00, Comune 01, Comune 02 e altri 27 comuni" in text
    assert "Comune 03" not in text
