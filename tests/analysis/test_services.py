"""Users per service (protected with the comuni of the area), their change, spending per service, presence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import pianozona
from pianozona import privacy
from pianozona.analysis import needs, services

FLAG = "utenti" + privacy.FLAG_SUFFIX


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


@pytest.fixture
def small_service(pavia_copy):
    """Pavia with a tiny anziani service (3 users in 2023, 6 in 2022) in one comune."""
    with (pavia_copy / "utenti.csv").open("a", encoding="utf-8") as out:
        out.write("2022;018110;anziani;Pasti a domicilio;6;dimostrativo\n")
        out.write("2023;018110;anziani;Pasti a domicilio;3;dimostrativo\n")
    return pianozona.load_district(pavia_copy)


def test_service_users_add_up_to_the_area_total(pavia):
    rows = services.service_users(pavia, "anziani", [2022, 2023])
    raw = pavia.utenti[(pavia.utenti["area"] == "anziani") & pavia.utenti["anno"].isin([2022, 2023])]
    expected = raw.groupby(["anno", "servizio"])["utenti"].sum()
    got = rows.set_index(["anno", "servizio"])["utenti"]
    assert got.to_dict() == {k: float(v) for k, v in expected.items()}
    table = needs.analyse(pavia, "anziani", 2023).table
    total = table[(table["comune"] == needs.TOTAL_LABEL) & (table["anno"] == 2023)]["utenti"].iloc[0]
    assert rows[rows["anno"] == 2023]["utenti"].sum() == total


def test_a_small_service_is_hidden_and_cannot_be_recomputed(small_service):
    a = needs.analyse(small_service, "anziani", 2023, publish=True)
    rows = a.services[a.services["anno"] == 2023].set_index("servizio")
    assert rows.loc["Pasti a domicilio", FLAG]
    assert np.isnan(rows.loc["Pasti a domicilio", "utenti"])
    # the attacker: published services, the district total of the area table and the comuni
    total_row = a.table[(a.table["anno"] == 2023) & (a.table["comune"] == needs.TOTAL_LABEL)].iloc[0]
    parts = rows.drop(index=services.ALL_SERVICES)
    hidden = parts[parts[FLAG]]
    assert len(hidden) >= 2  # a complement hides the small one
    if not total_row[FLAG]:
        published = parts.loc[~parts[FLAG], "utenti"].sum()
        rest = total_row["utenti"] - published
        bounds = [(1, None)] * len(hidden)  # one marker: each hidden service is at least 1, nothing more
        for i, name in enumerate(hidden.index):
            c = np.zeros(len(hidden))
            c[i] = 1
            lo = linprog(c, A_eq=[np.ones(len(hidden))], b_eq=[rest], bounds=bounds).fun
            hi = -linprog(-c, A_eq=[np.ones(len(hidden))], b_eq=[rest], bounds=bounds).fun
            assert hi - lo >= privacy.DEFAULT_THRESHOLD - 1, name
            if name == "Pasti a domicilio":  # the small count keeps every value from 1 to 4
                assert lo <= 1 and hi >= privacy.DEFAULT_THRESHOLD


def test_service_change_hides_the_change_of_a_hidden_service(small_service):
    a = needs.analyse(small_service, "anziani", 2023, publish=True)
    got = services.service_change(a.services, 2023).set_index("servizio")
    assert got.index[-1] == services.ALL_SERVICES
    assert got.loc["Pasti a domicilio", "verdetto"] == "non confrontabile"
    assert np.isnan(got.loc["Pasti a domicilio", ["variazione", "variazione_pct"]].astype(float)).all()
    shown = privacy.format_suppressed(got.reset_index())
    assert shown.loc[shown["servizio"] == "Pasti a domicilio", "utenti"].iloc[0] == privacy.MARKER
    sad = got.loc["Assistenza domiciliare (SAD)"]
    assert sad["variazione"] == sad["utenti"] - sad["utenti_precedente"]
    labels = services.service_change_labels(got, 2023)
    assert labels["utenti"] == "Utenti del servizio 2023" and labels["utenti_precedente"].endswith("2022")


def test_exploring_shows_the_raw_service(small_service):
    a = needs.analyse(small_service, "anziani", 2023, publish=False)
    rows = a.services[a.services["anno"] == 2023].set_index("servizio")
    assert rows.loc["Pasti a domicilio", "utenti"] == 3 and not rows[FLAG].any()


def test_area_table_is_unchanged_by_protecting_services_with_it(pavia):
    table, rows = needs.protected_tables(pavia, "minori", pavia.anni_dati, publish=True)
    assert set(rows["servizio"]) >= {services.ALL_SERVICES} and "servizio" not in table.columns
    grand = rows[rows["servizio"] == services.ALL_SERVICES].set_index("anno")["utenti"]
    district = table[table["comune"] == needs.TOTAL_LABEL].set_index("anno")["utenti"]
    pd.testing.assert_series_equal(grand, district, check_names=False)


def test_spending_per_service_only_when_given(pavia):
    assert services.service_spending(pavia, "anziani", [2022, 2023]) is None


def test_presence_is_services_by_comuni(pavia):
    table = services.presence(pavia)
    assert table.attrs["anno"] == 2011
    assert list(table.columns[1:-1]) == pavia.comuni["comune"].tolist()
    assert set(table.iloc[:, 1:-1].to_numpy().ravel()) <= {"sì", "no", ""}
    assert table["servizio"].iloc[0] == "Segretariato sociale"
    lines = services.presence_lines(table)
    assert lines[0] == "Segretariato sociale: presente in tutti i 12 comuni."


def test_presence_counts_no_and_missing(pavia_copy):
    lines = (pavia_copy / "servizi.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(";sì;", ";no;")   # Segretariato sociale absent in Pavia
    (pavia_copy / "servizi.csv").write_text("\n".join(row for i, row in enumerate(lines) if i != 2) + "\n",
                                            encoding="utf-8")  # and not given for the second comune
    district = pianozona.load_district(pavia_copy, strict=False)
    table = services.presence(district)
    row = table[table["servizio"] == "Segretariato sociale"].iloc[0]
    assert row["Pavia"] == "no" and row["presente_in"] == "10 su 12"
    assert services.presence_lines(table)[0] == ("Segretariato sociale: presente in 10 comuni su 12 "
                                                 "(per 1 non è indicato).")


def test_no_presence_table(pavia_copy):
    (pavia_copy / "servizi.csv").unlink()
    assert services.presence(pianozona.load_district(pavia_copy, strict=False)) is None


def _with_service_column(folder, service_of):
    """spesa.csv of `folder` with a `servizio` column: `service_of(line)` names each row's service ('' for none)."""
    lines = (folder / "spesa.csv").read_text(encoding="utf-8").splitlines()
    head, rows = lines[0].split(";"), [line.split(";") for line in lines[1:]]
    at = head.index("fonte")
    out = [";".join(head[:at] + ["servizio"] + head[at:])]
    out += [";".join(row[:at] + [service_of(row)] + row[at:]) for row in rows]
    (folder / "spesa.csv").write_text("\n".join(out) + "\n", encoding="utf-8")


def test_spending_per_service_when_the_office_gives_it(pavia, pavia_copy):
    assert services.service_spending(pavia, "anziani", [2022, 2023]) is None  # no servizio column: nothing
    _with_service_column(pavia_copy, lambda row: "Assistenza domiciliare (SAD)" if row[1] == "anziani" else "")
    given = pianozona.load_district(pavia_copy)
    assert not given.problems.errors
    table = services.service_spending(given, "anziani", [2022, 2023])
    raw = pavia.spesa[(pavia.spesa["area"] == "anziani") & pavia.spesa["anno"].isin([2022, 2023])]
    assert list(table["servizio"].unique()) == ["Assistenza domiciliare (SAD)"]
    assert table.set_index("anno")["importo_euro"].to_dict() == pytest.approx(
        raw.groupby("anno")["importo_euro"].sum().to_dict())
    assert services.service_spending(given, "minori", [2022, 2023]) is None  # no service named for minori
    # the totals of the budget do not change: the column only splits the amounts
    assert given.spesa["importo_euro"].sum() == pytest.approx(pavia.spesa["importo_euro"].sum())


def test_the_service_is_part_of_the_key_of_spesa(pavia_copy):
    lines = (pavia_copy / "spesa.csv").read_text(encoding="utf-8").splitlines()
    first = lines[1].split(";")  # 2019;anziani;FNPS;...
    (pavia_copy / "spesa.csv").write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    _with_service_column(pavia_copy, lambda row: "SAD" if row == first else "")
    duplicated = pianozona.load_district(pavia_copy, strict=False).problems.errors
    assert [p.message for p in duplicated] == ["riga duplicata: stessa chiave della riga 2"]
    lines = (pavia_copy / "spesa.csv").read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace(";SAD;", ";Pasti a domicilio;")  # the same fund paying two services
    (pavia_copy / "spesa.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not pianozona.load_district(pavia_copy, strict=False).problems.errors


def test_the_presence_table_never_has_more_than_ten_yes_no_columns():
    """A column per comune made a 29-comune district's table 2.900 pixels wide (issue 20)."""
    services_ = [f"Servizio {i}" for i in range(3)]
    def table(n_comuni, n_services=3):
        comuni = [f"Comune {i}" for i in range(n_comuni)]
        rows = [{"servizio": f"Servizio {s}", **{c: ("no" if i == 0 else "sì") for i, c in enumerate(comuni)},
                 "presente_in": f"{n_comuni - 1} su {n_comuni}"} for s in range(n_services)]
        return pd.DataFrame(rows)
    few, labels = services.presence_view(table(4))
    assert list(few.columns) == ["servizio", "Comune 0", "Comune 1", "Comune 2", "Comune 3", "presente_in"]
    many, labels = services.presence_view(table(29))
    assert list(many.columns) == ["comune", *services_] and len(many) == 30
    assert many.iloc[-1].tolist() == ["Comuni con il servizio", "28 su 29", "28 su 29", "28 su 29"]
    both, labels = services.presence_view(table(29, 12))
    assert list(both.columns) == ["servizio", "presente_in", "non_presente_in"]
    assert set(both["non_presente_in"]) == {"Comune 0"} and labels["non_presente_in"] == "Non presente in"
