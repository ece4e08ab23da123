"""The district's one protection (pianozona.analysis.protection) against the attacks of issue 18.

Each vector of the attack is a regression test: objectives tied to a service, the complement
bound, two years, a territory; and the whole district (every area and year, comuni and services
together) is checked by the independent attacker of `tests.privacy.attacker`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pianozona
from pianozona import privacy
from pianozona.analysis import needs, protection, services, verification
from pianozona.data import cache
from tests.privacy.attacker import violations

ROOT = Path(__file__).resolve().parents[2]
TERRITORY = ROOT / "data" / "territori" / "provincia_pavia"
MORTARA = TERRITORY / "ambito-mortara"
FLAG = "utenti" + privacy.FLAG_SUFFIX
ADM = "Assistenza domiciliare minori (ADM)"


@pytest.fixture(scope="module")
def mortara():
    return pianozona.load_district(MORTARA)


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


def _secret_hiding(district, area, service, year):
    """A secret with which `service` is hidden in `year` (the draw decides which complement is hidden)."""
    for i in range(200):
        secret = bytes([i, 7]) * 16
        cache.clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(privacy.SECRET_ENV_VAR, secret.hex())
            rows = protection.area_tables(district, area, [year], publish=True)[1].set_index("servizio")
            if rows.loc[service, FLAG]:
                return secret
    pytest.fail(f"no secret in 200 hides {service}")


def test_an_objective_that_names_its_service_is_hidden_with_it(mortara, monkeypatch):
    """Mortara 2023 of the attack: ADM = 35 published in the verification gave 'Affido familiare' = 2 back."""
    objectives = mortara.obiettivi.set_index("codice")
    assert objectives.loc["MIN-01", "servizio"] == ADM
    secret = _secret_hiding(mortara, "minori", ADM, 2023)
    monkeypatch.setenv(privacy.SECRET_ENV_VAR, secret.hex())
    cache.clear()
    shared = verification.objectives_table(mortara, 2023, publish=True).set_index("codice")
    assert shared.loc["MIN-01", "valore_soppresso"] and np.isnan(shared.loc["MIN-01", "valore"])
    assert shared.loc["MIN-01", "stato"] == "non pubblicato"
    assert np.isnan(shared.loc["MIN-01", ["atteso", "scarto", "percorso_pct"]].astype(float)).all()
    shown = privacy.format_suppressed(verification.progress_view(shared.reset_index()))
    assert "35" not in shown.set_index("codice").loc["MIN-01"].astype(str).tolist()


def test_an_objective_equal_to_a_hidden_count_is_hidden_without_being_told(mortara, monkeypatch):
    untold = replace(mortara, obiettivi=mortara.obiettivi.drop(columns="servizio"))
    secret = _secret_hiding(mortara, "minori", ADM, 2023)
    monkeypatch.setenv(privacy.SECRET_ENV_VAR, secret.hex())
    cache.clear()
    shared = verification.objectives_table(untold, 2023, publish=True).set_index("codice")
    assert shared.loc["MIN-01", "valore_soppresso"]  # 35 equals the hidden ADM count of 2023
    assert not shared.loc["ANZ-01", "valore_soppresso"]  # published: its count is published too


def test_a_named_service_that_utenti_does_not_have_is_an_error(tmp_path):
    import shutil

    folder = tmp_path / "mortara"
    shutil.copytree(MORTARA, folder)
    path = folder / "obiettivi.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(";Assistenza domiciliare minori (ADM);",
                                                             ";Domiciliare minorenni;"), encoding="utf-8")
    district = pianozona.load_district(folder, strict=False)
    [problem] = [p for p in district.problems.items if p.column == "servizio"]
    assert problem.severity == "errore" and problem.value == "Domiciliare minorenni" and problem.line == 4
    assert ADM in problem.fix


def test_the_complement_rule_gives_no_bound_away(pavia):
    """Pavia anziani 2022 of the attack: a complement known to be at most the smallest count beside it.

    The complement is drawn with the secret, so an attacker cannot assume it is the smallest; and
    every small count of every line keeps 1..4 possible with one marker for every hidden cell.
    """
    chosen = set()
    for i in range(12):
        cache.clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(privacy.SECRET_ENV_VAR, (bytes([i]) * 32).hex())
            table = protection.area_tables(pavia, "anziani", [2022], publish=True)[0]
        hidden = table.loc[table[FLAG] & (table["comune"] != protection.TOTAL_LABEL), "comune"]
        chosen.add(tuple(sorted(hidden)))
    assert len(chosen) >= 2  # which complement is hidden depends on the secret, not only on the values


def _joint(district, area, *, publish):
    """The area's comuni and services, every year, as one table (the shape `privacy.protect` protects)."""
    table, rows = protection.area_tables(district, area, district.anni_dati, publish=publish)
    comuni = table[["anno", "comune", "utenti", FLAG]].assign(servizio=services.ALL_SERVICES)
    rows = rows[["anno", "servizio", "utenti", FLAG]].assign(comune=protection.TOTAL_LABEL)
    rows = rows[rows["servizio"] != services.ALL_SERVICES]
    return pd.concat([comuni, rows], ignore_index=True)[["anno", "comune", "servizio", "utenti", FLAG]]


@pytest.mark.parametrize("folder", ["pavia", *(pytest.param(p.name, marks=pytest.mark.slow)  # ~3.5 s each
                                               for p in sorted(TERRITORY.iterdir()) if p.is_dir())])
def test_no_hidden_count_of_a_district_can_be_narrowed(folder):
    """Every area, every year, comuni and services together: the independent attacker finds nothing.

    Pavia and each district of the example territory, as a run of any year publishes them (the
    same protection for every year's run); each hidden cell keeps four values, each small count 1..4.
    """
    district = pianozona.load_district("pavia" if folder == "pavia" else TERRITORY / folder)
    cache.clear()
    hidden_cells = 0
    for area in district.aree:
        out = _joint(district, area, publish=True)
        raw = _joint(district, area, publish=False)
        if "persone" == protection.measure(district, area):
            continue  # comuni and services count different things: two tables, each checked in tests/privacy
        hidden_cells += int(out[FLAG].sum())
        found = violations(out, raw, keys=["anno", "comune", "servizio"], margins=("comune", "servizio"),
                           labels={protection.TOTAL_LABEL, services.ALL_SERVICES})
        assert found == [], (folder, area, found)
    assert hidden_cells > 10  # otherwise the attack proves nothing
    assert protection.audit(district) == []


def test_a_year_is_hidden_alike_whatever_later_years_hold(pavia):
    """The 2022 run and the 2023 run publish 2022: the same cells are hidden in both."""
    cache.clear()
    before = {a: protection.area_tables(pavia, a, [2022], publish=True) for a in pavia.aree}
    earlier = replace(pavia, utenti=pavia.utenti[pavia.utenti["anno"] <= 2022],
                      spesa=pavia.spesa[pavia.spesa["anno"] <= 2022])
    assert max(earlier.anni_dati) == 2022
    for area, (table, rows) in before.items():
        then_table, then_rows = protection.area_tables(earlier, area, [2022], publish=True)
        assert table[FLAG].tolist() == then_table[FLAG].tolist(), area
        assert rows[FLAG].tolist() == then_rows[FLAG].tolist(), area


def test_every_report_reads_the_one_protection(pavia):
    cache.clear()
    analysis = needs.analyse(pavia, "dipendenze", 2023, publish=True)
    table, rows = protection.area_tables(pavia, "dipendenze", [y for y in pavia.anni_dati if y <= 2023],
                                         publish=True)
    assert analysis.table[FLAG].tolist() == table[FLAG].tolist()
    assert analysis.services[FLAG].tolist() == rows[FLAG].tolist()


def test_exploring_hides_nothing_and_needs_no_secret(pavia_copy, monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.SECRET_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    district = pianozona.load_district(pavia_copy)
    cache.clear()
    table, rows = protection.area_tables(district, "dipendenze", district.anni_dati)
    assert not table[FLAG].any() and not rows[FLAG].any()
    assert not (pavia_copy / privacy.keying.SECRET_FILE).exists() and not (tmp_path / "state").exists()


def test_publishing_keeps_the_secret_with_the_data(pavia_copy, monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.SECRET_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    district = pianozona.load_district(pavia_copy)
    cache.clear()
    first = protection.area_tables(district, "dipendenze", [2023], publish=True)[0][FLAG].tolist()
    assert (pavia_copy / privacy.keying.SECRET_FILE).exists()
    cache.clear()
    again = protection.area_tables(pianozona.load_district(pavia_copy), "dipendenze", [2023], publish=True)
    assert again[0][FLAG].tolist() == first  # the same secret, read back: the same cells
