"""The attacker of issue 18, from outside: every spreadsheet two runs publish (2022 and 2023), nothing else.

A district of the example territory with 17 comuni (many small counts, objectives that count a
service) is published for two years into one folder.  The attacker reads only the published
spreadsheets: per area and year the comuni with the district total and the services with their
total (the two totals are the same number), each cell known wherever any file shows it, and the
objectives, each linked to the service it counts (as the attack did, from the indicator's name).
Then integer programmes give the range of every hidden count: none may be pinned or narrowed below
the documented rule (four values; a small count keeps 1..4 possible), and no objective may show
a count that its service hides.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from scipy.optimize import Bounds, LinearConstraint, milp

import pianozona
from pianozona.analysis import protection, services
from pianozona.publish.runner import run_reports

ROOT = Path(__file__).resolve().parent.parent
DISTRICT = ROOT / "data" / "territori" / "provincia_pavia" / "ambito-garlasco"
YEARS = (2022, 2023)
TOTAL = protection.TOTAL_LABEL
MARKER = "n.d."

pytestmark = [pytest.mark.kernel, pytest.mark.suite]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("attacco")
    folder = base / "ambito-garlasco"
    shutil.copytree(DISTRICT, folder)
    for year in YEARS:
        result = run_reports(folder, year, comuni="", out_dir=base / "reports", progress="none", timeout=300)
        assert result.exit_code == 0
    return base


def _sheets(path: Path):
    for sheet in load_workbook(path, read_only=True).worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        if rows:
            yield rows[0], rows[1:]


def _cells(reports: Path) -> tuple[dict, list]:
    """Every count the spreadsheets show: {(area, year, 'comune'|'servizio', name): value or MARKER}; objectives."""
    cells, objectives = {}, []
    for year_folder in sorted(p for p in reports.iterdir() if p.is_dir()):
        year = int(year_folder.name)
        for path in year_folder.glob("bisogni_area_*.xlsx"):
            area = path.stem.removeprefix("bisogni_area_")
            for header, rows in _sheets(path):
                if header[0] == "Comune" and header[1] in ("Utenti dei servizi", "Persone in carico"):
                    for row in rows:
                        _keep(cells, (area, year, "comune", row[0]), row[1])
                elif header[0] == "Servizio" and str(header[1]).startswith("Utenti del servizio"):
                    years = [int(re.search(r"\d{4}", str(h)).group()) for h in header[1:3]]
                    for row in rows:
                        for y, value in zip(years, row[1:3]):
                            _keep(cells, (area, y, "servizio", row[0]), value)
        for header, rows in _sheets(year_folder / "verifica_annuale.xlsx"):
            if header[:2] == ["Codice", "Area"] and "Valore" in header:
                objectives += [(year, row[0], row[header.index("Valore")]) for row in rows]
    return cells, objectives


def _keep(cells: dict, key: tuple, value) -> None:
    """A cell seen in one more file: a number shown anywhere is known, even if another file hides it."""
    if value is None:
        return
    if isinstance(value, (int, float)) or key not in cells:
        cells[key] = value


def _truth(folder: Path) -> dict:
    district = pianozona.load_district(folder)
    out = {}
    for area in district.aree:
        table, rows = protection.area_tables(district, area, district.anni_dati, publish=False)
        for r in table.itertuples():
            out[(area, int(r.anno), "comune", r.comune)] = float(r.utenti)
        for r in rows.itertuples():
            out[(area, int(r.anno), "servizio", r.servizio)] = float(r.utenti)
    return out


def _ranges(cells: dict, truth: dict) -> dict:
    """Per hidden cell, the smallest and largest value the published lines allow (integer programmes)."""
    hidden = sorted(k for k, v in cells.items() if v == MARKER)
    index = {k: i for i, k in enumerate(hidden)}
    rows, rhs = [], []
    for area, year in {(k[0], k[1]) for k in cells}:
        total = cells.get((area, year, "comune", TOTAL))
        for kind, total_name in (("comune", TOTAL), ("servizio", services.ALL_SERVICES)):
            parts = [k for k in cells if k[:3] == (area, year, kind) and k[3] != total_name]
            here = cells.get((area, year, kind, total_name), total)
            if not parts or here is None:
                continue
            coef = np.zeros(len(hidden))
            const = 0.0
            for k in parts:
                if cells[k] == MARKER:
                    coef[index[k]] += 1
                else:
                    const -= float(cells[k])
            if here == MARKER:
                coef[index[(area, year, "comune", TOTAL)] if (area, year, "comune", TOTAL) in index
                     else index[(area, year, kind, total_name)]] -= 1
            else:
                const += float(here)
            rows.append(coef)
            rhs.append(const)
    truth_x = np.array([truth[k] for k in hidden])
    a = np.array(rows)
    assert np.allclose(a @ truth_x, rhs)  # the attacker's model fits the true data
    big = sum(truth.values()) + 1000
    constraint = LinearConstraint(a, rhs, rhs)
    box = Bounds(np.ones(len(hidden)), np.full(len(hidden), big))
    out = {}
    for k, i in index.items():
        c = np.zeros(len(hidden))
        c[i] = 1
        low = milp(c, constraints=constraint, bounds=box, integrality=np.ones(len(hidden)))
        high = milp(-c, constraints=constraint, bounds=box, integrality=np.ones(len(hidden)))
        out[k] = (round(low.fun), round(-high.fun))
    return out


def test_nothing_two_years_of_spreadsheets_publish_narrows_a_hidden_count(published):
    cells, objectives = _cells(published / "reports" / "ambito-garlasco")
    truth = _truth(published / "ambito-garlasco")
    assert {k[1] for k in cells} >= set(YEARS)
    hidden = [k for k, v in cells.items() if v == MARKER]
    assert len(hidden) > 20  # many small counts: the attack has something to try
    for key, value in cells.items():  # what is shown is the truth, never a hidden count's neighbour
        if value != MARKER:
            assert float(value) == truth[key], key
    found = []
    for key, (low, high) in _ranges(cells, truth).items():
        value = truth[key]
        few = high - low < 3
        if 1 <= value <= 4 and not ((low <= 1 and high >= 4) or (not few and high > 4)):
            found.append((key, value, low, high))
        elif value > 4 and few:
            found.append((key, value, low, high))
    assert found == []
    # an objective that counts a service shows a number only where that service is shown
    district = pianozona.load_district(published / "ambito-garlasco")
    named = district.obiettivi.set_index("codice")
    for year, code, value in objectives:
        service = named.loc[code, "servizio"] if "servizio" in named else None
        if isinstance(service, str) and service:
            key = (named.loc[code, "area"], year, "servizio", service)
            if cells.get(key) == MARKER:
                assert value == MARKER, (year, code, value)


def test_the_secret_is_never_published(published):
    names = [p.name for p in (published / "reports").rglob("*")]
    assert len(names) > 10 and not [n for n in names if "chiave" in n or n.endswith(".csv")]
