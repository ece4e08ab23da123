from __future__ import annotations

import pandas as pd
import pytest

from pianozona.data.areas import AREE, get_area, with_overrides
from pianozona.errors import ParameterError


def _pop():
    return pd.DataFrame({"anno": 2023, "codice_comune": "000001", "eta": [5, 16, 30, 50, 66, 80],
                         "sesso": "M", "residenti": [100, 100, 100, 100, 100, 100]})


def test_registry_has_the_seven_tables_of_the_plan():
    assert list(AREE) == ["anziani", "minori", "disabili", "immigrazione", "poverta", "dipendenze", "salute_mentale"]
    assert all(a.etichetta and a.area_istat and a.descrizione for a in AREE.values())


@pytest.mark.parametrize("code, expected", [("anziani", 200), ("minori", 200), ("poverta", 200),
                                            ("dipendenze", 300), ("salute_mentale", 400)])
def test_age_band_populations(code, expected):
    assert AREE[code].popolazione_a_rischio(_pop()).iloc[0] == expected


def test_disability_is_estimated_from_prevalence():
    value = AREE["disabili"].popolazione_a_rischio(_pop()).iloc[0]
    assert value == pytest.approx(100 * (0.010 + 0.015 + 0.015 + 0.035 + 0.090 + 0.220))
    assert "stima" in AREE["disabili"].descrizione


def test_immigration_uses_foreign_residents_or_says_it_does_not():
    foreign = _pop().assign(residenti=7)
    assert AREE["immigrazione"].popolazione_a_rischio(_pop(), foreign).iloc[0] == 42
    assert AREE["immigrazione"].popolazione_a_rischio(_pop(), None).iloc[0] == 600
    text = AREE["immigrazione"].describe_population(has_stranieri=False)
    assert "tutti i residenti" in text and "stranieri" in text and "import-istat" not in text


def test_overrides_and_unknown_area():
    areas = with_overrides({"anziani": {"eta_min": 75}})
    assert areas["anziani"].popolazione_a_rischio(_pop()).iloc[0] == 100
    assert "75" in areas["anziani"].descrizione
    with pytest.raises(ParameterError, match="aree valide"):
        get_area("giovani")
