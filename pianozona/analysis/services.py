"""The office's services: users per service of an area (protected with the area's table), spending, presence.

Users per service.  `service_users` sums the `utenti` table over the comuni of
the district: one row per year and service of the area, the area's total as
the row `ALL_SERVICES`.  These rows share their total with the table of the
comuni (both add up to the district's users of the area in the year), so
`protection.protect_district` passes the two together through `privacy.protect`
in one call with both margins (`joint_table`, `split_joint`): a service
hidden in one table cannot be recovered through the total of the other.  When
the area counts distinct persons (`persone`) the comuni table does not add up
to the services, and the services are protected on their own (`protect_alone`).
`pianozona.analysis.protection` makes those calls, once per district, area and year.
What is counted: "utenti del servizio"; a person using two services counts
twice, so the services are not persons.

Service presence.  `presence` lays the optional `servizi` table out as
services x comuni ("sì", "no", "" where the office says nothing) for its latest
year; it is not a count of persons and needs no suppression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import change, definitions, stats
from pianozona.analysis.indicators import copertura
from pianozona.data.datasets import District

__all__ = ["ALL_SERVICES", "PRESENCE_COLUMNS", "SERVICE_CHANGE_LABELS", "joint_table", "presence", "presence_lines",
           "presence_view", "protect_alone", "service_change", "service_change_labels", "service_spending",
           "service_users", "split_joint"]

ALL_SERVICES = "Tutti i servizi"
#: Column headers of `service_change` (years are added by `service_change_labels`).
SERVICE_CHANGE_LABELS = {"servizio": "Servizio", **definitions.nomi(["variazione", "variazione_pct"]),
                         "verdetto": "Copertura del servizio"}
_DERIVED = {"copertura": "utenti", "lower": "utenti", "upper": "utenti"}


def service_users(district: District, area: str, years: list[int]) -> pd.DataFrame:
    """Users per service of `area` in the district, per year (0 where a service has no row that year).

    Columns anno, servizio, utenti, popolazione_a_rischio, anno_popolazione (the
    district's residents at risk, the same for every service of a year).
    """
    users = district.utenti.dropna(subset=["anno", "utenti"])
    users = users[(users["area"] == area) & users["anno"].astype(int).isin(list(years))].astype({"anno": int})
    names = sorted(users["servizio"].astype(str).unique())
    whole = copertura(district, area, anni=years, livello="distretto")[["anno", "popolazione_a_rischio",
                                                                          "anno_popolazione"]]
    grid = pd.MultiIndex.from_product([sorted(whole["anno"].astype(int)), names], names=["anno", "servizio"])
    sums = users.astype({"servizio": str}).groupby(["anno", "servizio"])["utenti"].sum()
    out = sums.reindex(grid, fill_value=0).rename("utenti").reset_index()
    return out.merge(whole, on="anno", how="left").astype({"utenti": float, "popolazione_a_rischio": float})


def joint_table(area_table: pd.DataFrame, services: pd.DataFrame, total_label: str) -> pd.DataFrame:
    """The comuni rows (servizio = ALL_SERVICES) and the service rows (comune = `total_label`) as one table.

    The district total of each year is the one row where both are totals; ready
    for ``privacy.protect(keys=["anno", "comune", "servizio"], groups=["comune", "servizio"])``.
    """
    comuni = area_table.assign(servizio=ALL_SERVICES)
    rows = services.assign(codice_comune="", comune=total_label)
    return pd.concat([comuni, rows[[c for c in comuni.columns if c in rows.columns]]], ignore_index=True)


def split_joint(protected: pd.DataFrame, total_label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The protected `joint_table` back as (comuni table with the district total, services with ALL_SERVICES)."""
    attrs = protected.attrs.get(privacy.ATTRS_KEY, {})
    area = protected[protected["servizio"] == ALL_SERVICES].drop(columns="servizio").reset_index(drop=True)
    rows = protected[protected["comune"] == total_label].drop(columns=["codice_comune", "comune"])
    rows = rows.reset_index(drop=True)
    area.attrs[privacy.ATTRS_KEY] = rows.attrs[privacy.ATTRS_KEY] = attrs
    return area, rows


def protect_alone(services: pd.DataFrame, *, publish: bool | None = None,
                  secret: bytes | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Services with their own total per year (ALL_SERVICES), through `privacy.protect` (when persons are counted).

    Returns the protected table and the true counts of its rows, in order.
    """
    totals = services.groupby(["anno", "popolazione_a_rischio", "anno_popolazione"], as_index=False)["utenti"].sum()
    table = pd.concat([services, totals.assign(servizio=ALL_SERVICES)[services.columns]], ignore_index=True)
    protected = privacy.protect(with_coverage(table), counts="utenti", derived=_DERIVED, keys=["anno", "servizio"],
                                groups=["servizio"], total_label=ALL_SERVICES, publish=publish, secret=secret)
    return protected, table["utenti"].to_numpy(float)


def with_coverage(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with copertura, lower, upper: users per 1,000 residents at risk with the report's 95% interval."""
    est = stats.rate_ci(table["utenti"].to_numpy(float), table["popolazione_a_rischio"].to_numpy(float),
                        multiplier=1000)
    return table.assign(copertura=est.value, lower=est.lower, upper=est.upper)


def service_change(services: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per service (and ALL_SERVICES): users in the year before `year` and in `year`, the change and its test.

    From the protected services table: a service hidden in either year has no
    change and the verdict 'non confrontabile'.  Columns servizio,
    utenti_precedente, utenti (each with its flag columns, so that
    `display.table` shows "n.d."), variazione, variazione_pct, verdetto;
    attrs say which columns derive from the counts.  Empty without an earlier year.
    """
    flag = "utenti" + privacy.FLAG_SUFFIX
    test = change.coverage_change(services, year, label="servizio")
    if test.empty:
        return test
    before = services[services["anno"] == int(test["anno_precedente"].iloc[0])].set_index("servizio")
    now = services[services["anno"] == year].set_index("servizio")
    out = pd.DataFrame({"servizio": test["servizio"]})
    for name, rows in (("utenti_precedente", before), ("utenti", now)):
        rows = rows.reindex(out["servizio"])
        out[name] = rows["utenti"].to_numpy(float)
        out[name + privacy.FLAG_SUFFIX] = rows[flag].fillna(False).astype(bool).to_numpy()
    with np.errstate(all="ignore"):
        out["variazione"] = test["utenti"].to_numpy() - test["utenti_precedente"].to_numpy()
        out["variazione_pct"] = np.where(test["utenti_precedente"] > 0,
                                         out["variazione"] / test["utenti_precedente"] * 100, np.nan)
    out["verdetto"] = test["verdetto"].to_numpy()
    order = out["servizio"].eq(ALL_SERVICES)
    out = pd.concat([out[~order], out[order]], ignore_index=True)
    out.attrs[privacy.ATTRS_KEY] = {"derived": {
        "variazione": ["utenti_precedente", "utenti"], "variazione_pct": ["utenti_precedente", "utenti"]}}
    out.attrs["anno_precedente"] = int(test["anno_precedente"].iloc[0])
    return out


def service_change_labels(table: pd.DataFrame, year: int) -> dict[str, str]:
    """Headers of `service_change`: the users columns name their year and say "utenti del servizio"."""
    before = table.attrs.get("anno_precedente", year - 1)
    return {**SERVICE_CHANGE_LABELS, "utenti_precedente": f"Utenti del servizio {before}",
            "utenti": f"Utenti del servizio {year}"}


def service_spending(district: District, area: str, years: list[int]) -> pd.DataFrame | None:
    """Spending per service of `area` in `years` (anno, servizio, importo_euro), or None without a `servizio` column."""
    spesa = district.spesa
    if "servizio" not in spesa.columns or spesa["servizio"].isna().all():
        return None
    rows = spesa[(spesa["area"] == area) & spesa["anno"].isin(list(years))].dropna(subset=["servizio"])
    if rows.empty:
        return None
    out = rows.groupby(["servizio", "anno"], as_index=False)["importo_euro"].sum()
    return out.astype({"anno": int}).sort_values(["servizio", "anno"], ignore_index=True)


def presence(district: District) -> pd.DataFrame | None:
    """Services x comuni of the latest year of `servizi`: 'sì', 'no' or '' (not given); None without the table.

    Columns: servizio, one per comune (in the district's order, named by
    comune), presente_in ("12 su 12"); attrs['anno'] is the year shown.
    """
    table = district.servizi
    if table is None or table.dropna(subset=["anno"]).empty:
        return None
    latest = int(table["anno"].dropna().max())
    rows = table[table["anno"] == latest]
    names = district.comuni.set_index("codice_comune")["comune"]
    words = rows["presente"].map({True: "sì", False: "no"}).fillna("")
    wide = pd.DataFrame({"servizio": rows["servizio"].astype(str), "comune": rows["codice_comune"].astype(str),
                         "presente": words}).pivot(index="servizio", columns="comune", values="presente")
    wide = wide.reindex(columns=list(names.index), fill_value="").fillna("")
    order = list(dict.fromkeys(rows["servizio"].astype(str)))
    wide = wide.reindex(order)
    present = (wide == "sì").sum(axis=1)
    out = wide.rename(columns=names.to_dict()).reset_index()
    out["presente_in"] = [f"{n} su {len(names)}" for n in present]
    out.attrs["anno"] = latest
    return out


#: the most "sì / no" columns a presence table shows side by side (a laptop screen, a portrait page)
PRESENCE_COLUMNS = 10


def presence_view(table: pd.DataFrame, max_columns: int = PRESENCE_COLUMNS) -> tuple[pd.DataFrame, dict[str, str]]:
    """`presence` as a page shows it, and its headers: never more than `max_columns` yes/no columns.

    Comuni as columns while they are few; else comuni as rows and services as columns (a last row counts the
    comuni with each service); when both are many, one row per service with the comuni that lack it.
    """
    comuni = [c for c in table.columns if c not in ("servizio", "presente_in")]
    if len(comuni) <= max_columns:
        return table, {"servizio": "Servizio", "presente_in": "Presente in"}
    if len(table) <= max_columns:
        by_comune = table.set_index("servizio")[comuni].T.rename_axis("comune").reset_index()
        by_comune.columns.name = None
        total = {"comune": "Comuni con il servizio", **dict(zip(table["servizio"], table["presente_in"]))}
        return (pd.concat([by_comune, pd.DataFrame([total])], ignore_index=True),
                {"comune": "Comune", **{s: s for s in table["servizio"]}})
    lacking = [", ".join(c for c in comuni if row[c] == "no") or "–" for _, row in table.iterrows()]
    return (table[["servizio", "presente_in"]].assign(non_presente_in=lacking),
            {"servizio": "Servizio", "presente_in": "Presente in", "non_presente_in": "Non presente in"})


def presence_lines(table: pd.DataFrame) -> list[str]:
    """One sentence per service: in how many comuni it is present ("presente in tutti i 12 comuni")."""
    comuni = [c for c in table.columns if c not in ("servizio", "presente_in")]
    lines = []
    for _, row in table.iterrows():
        yes = [c for c in comuni if row[c] == "sì"]
        unknown = [c for c in comuni if row[c] == ""]
        if len(yes) == len(comuni):
            where = f"presente in tutti i {len(comuni)} comuni"
        elif not yes:
            where = "non presente in nessun comune"
        else:
            where = f"presente in {len(yes)} comun{'e' if len(yes) == 1 else 'i'} su {len(comuni)}"
        if unknown:
            where += f" (per {len(unknown)} non è indicato)"
        lines.append(f"{row['servizio']}: {where}.")
    return lines
