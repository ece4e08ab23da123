"""The comparison of an ambito with its region, Italy and the other ambiti of its region (`confronto_italia`).

Everything here is ISTAT's published aggregates, from its survey "Interventi e
servizi sociali dei comuni singoli e associati" per ambito territoriale sociale
(`pianozona.data.istat_ats`): spending of the comuni per inhabitant of each
area's reference population, and users of services as ISTAT counts them (per
service: not persons).  Nothing is recomputed from the office's own tables.

`availability` says whether the district can be compared (``ambito_istat`` in
``distretto.yml``, a file in ``<data folder>/istat_ats/`` that covers it);
`load` keeps only the rows of the ambito's region (its ambiti, the region,
Italy) and the measures used.  Per area and year, `spending` gives the
ambito's value beside the region's and Italy's, its rank among the region's
ambiti (1 = highest) and the spread of those ambiti (minimum, quartiles,
maximum); `points` the values of every ambito for the strip chart.

Users can be small counts (a small ambito's users of a rare service): `users`
passes every user count it shows or ranks through `privacy.protect`, so that
1 to 4 users are hidden (shown as the suite's one marker, "n.d.") and the rate
derived from them goes with them, as everywhere in the suite.  ISTAT itself publishes these values for every ambito,
and the report shows no other ambito's count, so primary suppression is the
rule applied; ranks and spreads use published values only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import definitions
from pianozona.data import istat_ats
from pianozona.data.ats_codes import AREE_ISTAT, ITALIA, REGIONI, SERVICE_ALL, region_of_ambito
from pianozona.data.datasets import District
from pianozona.errors import DataError

__all__ = ["MEASURES", "SOURCE", "SPENDING_DECIMALS", "Survey", "USERS_DECIMALS", "availability", "load", "metrics",
           "missing_areas", "points", "sentences", "spending", "spending_labels", "spending_view", "users",
           "users_labels", "users_view"]

#: the source line of every chart and table of the comparison
SOURCE = "Fonte: ISTAT, Interventi e servizi sociali dei comuni singoli e associati"
MEASURES = ("EXPTPOP", "EXPMUN", "USSSPM", "PERUSTPOP")
_AREA_ORDER = {code: i for i, code in enumerate(AREE_ISTAT)}
#: the decimals of the columns of `spending_view` and `users_view`
SPENDING_DECIMALS = {"spesa_ambito": 0, "spesa_regione": 0, "spesa_italia": 0, "mediana_ambiti": 0, "spesa_istat": 0}
USERS_DECIMALS = {"utenti_istat": 0, "utenti_per_abitante_istat": 2, "utenti_per_abitante_regione": 2,
                  "utenti_per_abitante_italia": 2}
_PER_INHABITANT = "(euro per abitante)"


@dataclass(frozen=True)
class Survey:
    """The rows of the ambito's region from ISTAT's survey, and who is who in them."""

    ambito: str
    nome: str
    regione: str  # the region's REF_AREA code (NUTS)
    nome_regione: str
    data: pd.DataFrame  # istat_ats.read columns, only this region's territories and `MEASURES`
    files: tuple[str, ...]

    @property
    def anni(self) -> list[int]:
        return sorted(int(y) for y in self.data["anno"].unique())

    @property
    def italia(self) -> bool:
        return bool((self.data["territorio"] == ITALIA).any())


def availability(district: District) -> str | None:
    """None when the comparison can be published; else one line saying why it is skipped and what to do.

    The line names no machine path (it is kept in the run's cache of district facts).
    """
    head = "confronto_italia non eseguito: "
    code = district.config.ambito_istat
    if not code:
        return head + "distretto.yml non indica ambito_istat (il codice ISTAT dell'ambito, es. \"T03042\")"
    reason = istat_ats.coverage(district.config.folder, code)
    return head + reason if reason else None


def load(district: District) -> Survey:
    """The survey's rows for the district's ambito, its region and Italy; DataError when there are none."""
    reason = availability(district)
    if reason is not None:
        raise DataError(reason.split(": ", 1)[1], file=istat_ats.folder_for(district.config.folder))
    code = district.config.ambito_istat
    region = region_of_ambito(code)
    nuts = REGIONI[region][1]
    files = istat_ats.files_in(istat_ats.folder_for(district.config.folder))
    data = istat_ats.read(files, data_types=MEASURES, territories=lambda s: (s == ITALIA) | s.isin(nuts)
                          | s.str.startswith(f"T{region}"))
    data = data.astype({c: object for c in data.columns if isinstance(data[c].dtype, pd.CategoricalDtype)})
    present = [c for c in nuts if (data["territorio"] == c).any()]
    own = data.loc[data["territorio"] == code, "territorio_nome"]
    regional = data.loc[data["territorio"] == present[0], "territorio_nome"] if present else pd.Series(dtype=object)
    return Survey(code, _first(own) or district.nome, present[0] if present else "", _first(regional)
                  or REGIONI[region][0], data, tuple(f.name for f in files))


def _first(labels: pd.Series) -> str:
    labels = labels[labels.astype(str).str.strip() != ""]
    return str(labels.iloc[0]) if len(labels) else ""


def missing_areas(survey: Survey) -> list[str]:
    """The survey's areas of users the ambito has no spending for in the file (labels)."""
    have = set(survey.data.loc[survey.data["territorio"] == survey.ambito, "area_istat"])
    return [a.etichetta for code, a in AREE_ISTAT.items() if code not in ("TOT", "ALL") and code not in have]


def _area_label(code: str) -> str:
    return AREE_ISTAT[code].etichetta if code in AREE_ISTAT else code


def _ambiti(frame: pd.DataFrame, survey: Survey) -> pd.Series:
    return frame["territorio"].str.startswith("T") & (frame["territorio"].str[1:3] == survey.ambito[1:3])


def spending(survey: Survey) -> pd.DataFrame:
    """Per area and year: the ambito's spending per inhabitant of the reference population, region, Italy, rank and
    spread."""
    data = survey.data
    rows = data[(data["tipo"] == "EXPTPOP") & (data["servizio"] == SERVICE_ALL)]
    euro = data[(data["tipo"] == "EXPMUN") & (data["servizio"] == SERVICE_ALL) & (data["territorio"] == survey.ambito)]
    euro = euro.set_index(["area_istat", "anno"])["valore"]
    out = []
    for (area, year), group in rows.groupby(["area_istat", "anno"], sort=False):
        others = group[_ambiti(group, survey)].dropna(subset=["valore"])
        own = group.loc[group["territorio"] == survey.ambito, "valore"]
        if own.empty or others.empty:
            continue
        value = float(own.iloc[0])
        ranks = others["valore"].rank(method="min", ascending=False)
        q = others["valore"].quantile([0, 0.25, 0.5, 0.75, 1]).to_numpy()
        out.append({"area_istat": area, "area": _area_label(area), "anno": int(year), "ambito": value,
                    "posizione": int(ranks[others["territorio"] == survey.ambito].iloc[0]) if np.isfinite(value)
                    else np.nan, "ambiti": len(others),
                    "regione": _value(group, survey.regione), "italia": _value(group, ITALIA),
                    "minimo": q[0], "q1": q[1], "mediana": q[2], "q3": q[3], "massimo": q[4],
                    "spesa_euro": float(euro.get((area, year), np.nan))})
    columns = ["area_istat", "area", "anno", "ambito", "posizione", "ambiti", "regione", "italia", "minimo", "q1",
               "mediana", "q3", "massimo", "spesa_euro"]
    table = pd.DataFrame(out, columns=columns)
    return table.sort_values(["area_istat", "anno"], key=lambda s: s.map(_AREA_ORDER) if s.name == "area_istat"
                             else s).reset_index(drop=True)


def _value(group: pd.DataFrame, territory: str) -> float:
    found = group.loc[group["territorio"] == territory, "valore"]
    return float(found.iloc[0]) if len(found) else np.nan


def points(survey: Survey, area: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every ambito's spending per inhabitant for `area`, per year (``evidenza`` marks the district's ambito),
    and the reference values (region, Italy) per year: the strip chart's data."""
    data = survey.data
    rows = data[(data["tipo"] == "EXPTPOP") & (data["servizio"] == SERVICE_ALL) & (data["area_istat"] == area)]
    ambiti = rows[_ambiti(rows, survey)].assign(anno=lambda f: f["anno"].astype(int))
    shown = pd.DataFrame({"anno": ambiti["anno"].astype(str), "territorio": ambiti["territorio"],
                          "nome": ambiti["territorio_nome"].where(ambiti["territorio_nome"] != "",
                                                                  ambiti["territorio"]),
                          "valore": ambiti["valore"], "evidenza": ambiti["territorio"] == survey.ambito})
    shown.loc[shown["evidenza"], "nome"] = survey.nome
    refs = []
    for code, name in ((survey.regione, survey.nome_regione), (ITALIA, "Italia")):
        part = rows[rows["territorio"] == code]
        refs += [{"anno": str(int(y)), "nome": name, "valore": v} for y, v in zip(part["anno"], part["valore"])]
    return (shown.sort_values(["anno", "valore"]).reset_index(drop=True),
            pd.DataFrame(refs, columns=["anno", "nome", "valore"]))


def users(survey: Survey, year: int, *, publish: bool | None = None) -> pd.DataFrame:
    """Users per area and service of the ambito in the latest survey year up to `year`, protected, beside region
    and Italy (users per reference population) with the ambito's rank on that rate among the region's ambiti."""
    data = survey.data
    counts = data[data["tipo"] == "USSSPM"]
    years = [y for y in survey.anni if y <= year] or survey.anni
    counts = counts[counts["anno"] == max(years)] if not counts.empty else counts
    if counts.empty:
        return pd.DataFrame(columns=["area_istat", "area", "servizio", "anno", "utenti", "utenti_per_pop", "regione",
                                     "italia", "posizione", "ambiti", "utenti_soppresso"])
    rates = data[data["tipo"] == "PERUSTPOP"].set_index(["territorio", "area_istat", "servizio", "anno"])["valore"]
    keep = _ambiti(counts, survey) | counts["territorio"].isin([survey.regione, ITALIA])
    table = counts[keep][["territorio", "area_istat", "servizio", "servizio_nome", "anno", "valore"]].rename(
        columns={"valore": "utenti"})
    index = pd.MultiIndex.from_frame(table[["territorio", "area_istat", "servizio", "anno"]])
    table["utenti_per_pop"] = rates.reindex(index).to_numpy()
    table = privacy.protect(table, counts="utenti", derived={"utenti_per_pop": "utenti"}, publish=publish)
    return _ranked(table, survey, rates)


def _ranked(table: pd.DataFrame, survey: Survey, rates: pd.Series) -> pd.DataFrame:
    rows = []
    for (area, service), group in table.groupby(["area_istat", "servizio"], sort=False):
        own = group[group["territorio"] == survey.ambito]
        if own.empty:
            continue
        others = group[_ambiti(group, survey)].dropna(subset=["utenti_per_pop"])
        ranks = others["utenti_per_pop"].rank(method="min", ascending=False)
        mine = ranks[others["territorio"] == survey.ambito]
        first = own.iloc[0]
        rows.append({"area_istat": area, "area": _area_label(area), "servizio": first["servizio_nome"] or service,
                     "anno": int(first["anno"]), "utenti": first["utenti"], "utenti_per_pop": first["utenti_per_pop"],
                     "regione": rates.get((survey.regione, area, service, first["anno"]), np.nan),
                     "italia": rates.get((ITALIA, area, service, first["anno"]), np.nan),
                     "posizione": int(mine.iloc[0]) if len(mine) else np.nan, "ambiti": len(others),
                     "utenti_soppresso": first["utenti_soppresso"]})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["area_istat", "utenti"], ascending=[True, False],
                          key=lambda s: s.map(_AREA_ORDER) if s.name == "area_istat" else s).reset_index(drop=True)
    out.attrs[privacy.ATTRS_KEY] = {"derived": {"utenti_per_pop": "utenti"}}
    return out


def spending_view(table: pd.DataFrame) -> pd.DataFrame:
    """`spending` as a page shows it, under the column keys of the dictionary of definitions (`spending_labels`).

    The rank reads "38° su 90", the middle half and the range are text; the region and Italy keep stable keys
    (``spesa_regione``, ``spesa_italia``): a region's name is data, it goes in the header, never in a key.
    """
    from pianozona.formatting import num

    return pd.DataFrame({
        "area": table["area"], "anno": table["anno"], "spesa_ambito": table["ambito"],
        "posizione_regione": [f"{int(p)}° su {int(n)}" if np.isfinite(p) else "n.d."
                              for p, n in zip(table["posizione"], table["ambiti"])],
        "spesa_regione": table["regione"], "spesa_italia": table["italia"], "mediana_ambiti": table["mediana"],
        "meta_centrale": [f"{num(a, 0)}–{num(b, 0)}" for a, b in zip(table["q1"], table["q3"])],
        "campo": [f"{num(a, 0)}–{num(b, 0)}" for a, b in zip(table["minimo"], table["massimo"])],
        "spesa_istat": table["spesa_euro"]})


def spending_labels(survey: Survey) -> dict[str, str]:
    """The headers of `spending_view`: the dictionary's names, the region named in its header."""
    return {"area": "Area di utenza", "anno": "Anno", "spesa_ambito": f"Ambito {_PER_INHABITANT}",
            "posizione_regione": "Posizione tra gli ambiti", "spesa_regione":
            f"Regione {survey.nome_regione} {_PER_INHABITANT}", "spesa_italia": f"Italia {_PER_INHABITANT}",
            "mediana_ambiti": "Mediana degli ambiti", "meta_centrale": "Metà centrale degli ambiti",
            "campo": "Dal minimo al massimo", "spesa_istat": "Spesa dei comuni dell'ambito (euro)"}


def users_view(table: pd.DataFrame) -> pd.DataFrame:
    """`users` as a page shows it, under the column keys of the dictionary (`users_labels`): the rank on the rate
    as "26° su 76" (n.d. when not published), the region's and Italy's rates under stable keys."""
    view = table.drop(columns=["area_istat"]).copy()
    view["posizione"] = [f"{int(p)}° su {int(n)}" if np.isfinite(p) else "n.d."
                         for p, n in zip(table["posizione"].astype(float), table["ambiti"])]
    view = view.drop(columns=["ambiti"]).rename(columns={
        "utenti": "utenti_istat", "utenti_soppresso": "utenti_istat_soppresso",
        "utenti_per_pop": "utenti_per_abitante_istat", "regione": "utenti_per_abitante_regione",
        "italia": "utenti_per_abitante_italia", "posizione": "posizione_regione"})
    view.attrs = {**table.attrs, privacy.ATTRS_KEY: {**table.attrs.get(privacy.ATTRS_KEY, {}),
                                                     "derived": {"utenti_per_abitante_istat": "utenti_istat"}}}
    return view


def users_labels(survey: Survey) -> dict[str, str]:
    """The headers of `users_view`: the dictionary's names, the region named in its header."""
    return {"area": "Area di utenza", "servizio": "Servizio", "anno": "Anno",
            **definitions.nomi(["utenti_istat", "utenti_per_abitante_istat"]),
            "utenti_per_abitante_regione": f"Regione {survey.nome_regione}", "utenti_per_abitante_italia": "Italia",
            "posizione_regione": "Posizione tra gli ambiti"}


def sentences(table: pd.DataFrame, survey: Survey) -> list[str]:
    """One Italian sentence per area, for the latest year of the table: value, rank, median, region, Italy."""
    from pianozona.formatting import num

    out = []
    for _, group in table[np.isfinite(table["ambito"])].groupby("area_istat", sort=False):
        row = group.sort_values("anno").iloc[-1]
        where = "sopra" if row.ambito > row.mediana else "sotto" if row.ambito < row.mediana else "alla pari con"
        text = (f"{row.area}: nel {row.anno} {num(row.ambito, 0)} euro per abitante della popolazione di "
                f"riferimento, {int(row.posizione)}° su {row.ambiti} ambiti della regione, {where} la mediana degli "
                f"ambiti ({num(row.mediana, 0)})")
        refs = [f"{survey.nome_regione} {num(row.regione, 0)}" if np.isfinite(row.regione) else "",
                f"Italia {num(row.italia, 0)}" if np.isfinite(row.italia) else ""]
        refs = [r for r in refs if r]
        out.append(text + (f"; {', '.join(refs)}." if refs else "."))
    return out


def metrics(survey: Survey, table: pd.DataFrame, year: int) -> dict:
    """Key figures: the survey's years, per area the latest value and rank, how many areas above the median."""
    latest = table[np.isfinite(table["ambito"])].sort_values("anno").groupby("area_istat").tail(1)
    above = int((latest["ambito"] > latest["mediana"]).sum())
    areas = {r.area_istat: {"anno": int(r.anno), "spesa_per_abitante": float(r.ambito),
                            "posizione": int(r.posizione), "ambiti": int(r.ambiti)} for r in latest.itertuples()}
    return {"anno": year, "ambito_istat": survey.ambito, "anni_istat": survey.anni, "aree": areas,
            "aree_sopra_mediana": above, "aree_confrontate": len(latest),
            "in_evidenza": {"Anni ISTAT confrontati": ", ".join(map(str, survey.anni)),
                            "Aree sopra la mediana degli ambiti della regione": f"{above} su {len(latest)}",
                            "Ambiti della regione nel file": str(int(latest["ambiti"].max()) if len(latest) else 0)}}
