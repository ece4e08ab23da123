"""The data contract of the office's tables, checked with pandera.

Each table is described once (`TABLES`): its columns, their kind and its key.
`check_table` turns the text read from a spreadsheet into typed columns and
returns every problem at once, each naming file, spreadsheet line, column,
value and what to do.  Parsing Italian numbers happens here (pandera cannot
see "1.234,50" once it has become NaN); the rules themselves — non-negative,
integer, allowed values, comune in the district, unique keys, no empty cells —
are pandera checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import pandera.pandas as pa

from pianozona.data.areas import AREE
from pianozona.errors import Problem
from pianozona.data.tabular import LINE_COLUMN, parse_number

FONTI_FINANZIAMENTO = MappingProxyType({
    "FNPS": "Fondo Nazionale Politiche Sociali",
    "FSR": "Fondo Sociale Regionale",
    "FNA": "Fondo per le Non Autosufficienze",
    "quote_comunali": "Quote dei comuni",
    "compartecipazione": "Compartecipazione degli utenti",
    "altro": "Altre entrate",
})
_FONTI_ALIAS = {
    "quote comunali": "quote_comunali", "quota comunale": "quote_comunali", "comuni": "quote_comunali",
    "compartecipazione utenti": "compartecipazione", "compartecipazione_utenti": "compartecipazione",
    "altre entrate": "altro", "altri": "altro",
}
POLARITA = MappingProxyType({"alto_meglio": "più alto è meglio", "basso_meglio": "più basso è meglio"})
_POLARITA_ALIAS = {"alto": "alto_meglio", "alta": "alto_meglio", "+": "alto_meglio", "basso": "basso_meglio",
                   "bassa": "basso_meglio", "-": "basso_meglio"}
#: sane bounds: a count above the population of Italy's largest city tenfold, an amount above ten billion
#: euro or a measure beyond a trillion is a typing or export error (e.g. `1e30`), never a real figure
MAX_COUNT = 10_000_000
MAX_AMOUNT = 10_000_000_000
MAX_MEASURE = 1e12
YEAR_RANGE = (1990, 2100)
#: What the `servizio` of an objective says when the indicator counts every user of its area.
ALL_SERVICES_WORDS = frozenset({"tutti", "tutti i servizi", "totale", "totale area", "area"})
YES_NO = {"si": True, "sì": True, "s": True, "x": True, "1": True, "vero": True,
          "no": False, "n": False, "0": False, "falso": False}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # int | amount | float | text | comune | area | fonte_finanziamento | polarita | yesno | year
    nullable: bool = False
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    required: bool = True
    warn_missing: bool = True  # an optional table that is absent gives a warning (False: silence)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


_FONTE = ColumnSpec("fonte", "text", help="provenienza del dato (es. 'piano di zona 2012-2014', 'gestionale', 'dimostrativo')")

TABLES = MappingProxyType({t.name: t for t in (
    TableSpec("utenti", "Utenti dei servizi per anno, comune, area e servizio", (
        ColumnSpec("anno", "year"),
        ColumnSpec("codice_comune", "comune", help="codice ISTAT a 6 cifre"),
        ColumnSpec("area", "area"),
        ColumnSpec("servizio", "text"),
        ColumnSpec("utenti", "int", help="utenti del servizio nell'anno (chi usa due servizi compare in due righe: la somma sui servizi non conta persone)"),
        _FONTE,
    ), key=("anno", "codice_comune", "area", "servizio")),
    TableSpec("spesa", "Spesa per anno, area e fonte di finanziamento", (
        ColumnSpec("anno", "year"),
        ColumnSpec("area", "area"),
        ColumnSpec("fonte_finanziamento", "fonte_finanziamento"),
        ColumnSpec("importo_euro", "amount"),
        ColumnSpec("servizio", "text", nullable=True, required=False,
                   help="facoltativa: il servizio finanziato, come in 'utenti' (spesa per servizio nei rapporti)"),
        _FONTE,
    ), key=("anno", "area", "fonte_finanziamento", "servizio")),
    TableSpec("obiettivi", "Obiettivi del piano con baseline e target", (
        ColumnSpec("codice", "text"),
        ColumnSpec("area", "area"),
        ColumnSpec("obiettivo", "text"),
        ColumnSpec("indicatore", "text"),
        ColumnSpec("unita", "text"),
        ColumnSpec("servizio", "text", nullable=True, required=False,
                   help="facoltativa: il servizio di 'utenti' che l'indicatore conta (lo stesso numero), o 'tutti' "
                        "per tutti gli utenti dell'area: il valore è nascosto quando quel conteggio lo è"),
        ColumnSpec("polarita", "polarita"),
        ColumnSpec("anno_base", "year"),
        ColumnSpec("valore_base", "float"),
        ColumnSpec("target", "float"),
        ColumnSpec("anno_target", "year"),
        _FONTE,
    ), key=("codice",)),
    TableSpec("misure", "Valori misurati degli indicatori degli obiettivi", (
        ColumnSpec("codice_obiettivo", "text"),
        ColumnSpec("anno", "year"),
        ColumnSpec("valore", "float"),
        _FONTE,
        ColumnSpec("nota", "text", nullable=True, required=False),
    ), key=("codice_obiettivo", "anno")),
    TableSpec("servizi", "Presenza dei servizi nei comuni", (
        ColumnSpec("anno", "year"),
        ColumnSpec("codice_comune", "comune"),
        ColumnSpec("servizio", "text"),
        ColumnSpec("presente", "yesno", help="sì / no"),
        _FONTE,
    ), key=("anno", "codice_comune", "servizio"), required=False),
    TableSpec("persone", "Persone distinte per anno, comune e area (cartella sociale)", (
        ColumnSpec("anno", "year"),
        ColumnSpec("codice_comune", "comune", help="codice ISTAT a 6 cifre"),
        ColumnSpec("area", "area"),
        ColumnSpec("persone", "int", help="persone distinte in carico nell'anno nell'area, dalla cartella sociale"),
        _FONTE,
    ), key=("anno", "codice_comune", "area"), required=False, warn_missing=False),
)})

_NUMERIC = {"int", "amount", "float", "year"}


def _normalise_codes(series: pd.Series, kind: str) -> pd.Series:
    text = series.astype(str).str.strip()
    if kind == "comune":
        return text.where(~text.str.fullmatch(r"\d{1,6}"), text.str.zfill(6))
    if kind == "area":
        return text.str.lower().str.replace(" ", "_").str.replace("à", "a")
    if kind == "fonte_finanziamento":
        lowered = text.str.lower()
        upper = text.str.upper()
        mapped = lowered.map(_FONTI_ALIAS)
        canonical = {k.lower(): k for k in FONTI_FINANZIAMENTO}
        return mapped.fillna(lowered.map(canonical)).fillna(upper.where(upper.isin(["FNPS", "FSR", "FNA"]))).fillna(text)
    if kind == "polarita":
        lowered = text.str.lower().str.replace(" ", "_")
        return lowered.map(_POLARITA_ALIAS).fillna(lowered)
    return text


def _parse(frame: pd.DataFrame, spec: TableSpec, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Text → typed columns; report cells that are not numbers."""
    out = pd.DataFrame(index=frame.index)
    problems: list[Problem] = []
    for col in spec.columns:
        if col.name not in frame.columns:
            out[col.name] = pd.NA if col.kind not in _NUMERIC else float("nan")
            continue
        raw = frame[col.name]
        if col.kind in _NUMERIC:
            numbers, bad = parse_number(raw)
            for idx in bad[bad].index:
                problems.append(Problem(
                    "errore", _unreadable_message(raw.at[idx]), file=file, line=int(frame.at[idx, LINE_COLUMN]),
                    column=col.name, value=raw.at[idx],
                    fix="scrivere solo cifre, con la virgola per i decimali (es. 1234,50)",
                ))
            out[col.name] = numbers
        elif col.kind == "yesno":
            out[col.name] = raw.str.lower().map(YES_NO).astype("boolean")
            for idx in raw[(raw != "") & out[col.name].isna()].index:
                problems.append(Problem("errore", "valore non riconosciuto", file=file,
                                        line=int(frame.at[idx, LINE_COLUMN]), column=col.name,
                                        value=raw.at[idx], fix="scrivere 'sì' oppure 'no'"))
        else:
            values = _normalise_codes(raw, col.kind)
            out[col.name] = values.where(values != "", None)
    out[LINE_COLUMN] = frame[LINE_COLUMN].astype(int)
    return out, problems


def _unreadable_message(text: str) -> str:
    try:
        float(str(text).replace(",", "."))
    except ValueError:
        return "valore non numerico"
    return "numero non finito (infinito o 'nan'): non è un valore"


def _column_checks(col: ColumnSpec, comuni: list[str]) -> list[pa.Check]:
    checks = {
        "int": [pa.Check.ge(0, name="non_negativo"), pa.Check(lambda s: s % 1 == 0, name="intero"),
                pa.Check(lambda s: s <= MAX_COUNT, name="conteggio_enorme")],
        "amount": [pa.Check.ge(0, name="non_negativo"), pa.Check(lambda s: s <= MAX_AMOUNT, name="importo_enorme")],
        "float": [pa.Check(lambda s: s.abs() <= MAX_MEASURE, name="valore_enorme")],
        "year": [pa.Check.in_range(*YEAR_RANGE, name="anno_valido"), pa.Check(lambda s: s % 1 == 0, name="intero")],
        "area": [pa.Check.isin(list(AREE), name="area_nota")],
        "fonte_finanziamento": [pa.Check.isin(list(FONTI_FINANZIAMENTO), name="fonte_nota")],
        "polarita": [pa.Check.isin(list(POLARITA), name="polarita_nota")],
        "comune": [pa.Check.isin(comuni, name="comune_del_distretto")],
    }
    return checks.get(col.kind, [])


def build_schema(spec: TableSpec, comuni: list[str]) -> pa.DataFrameSchema:
    """The pandera schema of a table for a district's list of comuni."""
    columns = {}
    for col in spec.columns:
        dtype = float if col.kind in _NUMERIC else ("boolean" if col.kind == "yesno" else object)
        columns[col.name] = pa.Column(dtype, checks=_column_checks(col, comuni), nullable=col.nullable,
                                      required=col.required)
    return pa.DataFrameSchema(columns, name=spec.name)


_BUILTIN = {"greater_than_or_equal_to": "non_negativo", "in_range": "anno_valido"}
_ISIN_BY_KIND = {"area": "area_nota", "fonte_finanziamento": "fonte_nota", "polarita": "polarita_nota",
                 "comune": "comune_del_distretto"}


def _message(check: str, col: ColumnSpec | None, value, known_comuni: set[str]) -> tuple[str, str]:
    check = _BUILTIN.get(check, check)
    if check == "isin" and col is not None:
        check = _ISIN_BY_KIND.get(col.kind, check)
    if check == "not_nullable":
        fix = "inserire 0 se non ci sono utenti" if col is not None and col.kind == "int" else "compilare la cella"
        return "cella vuota", fix
    if check == "non_negativo":
        return "valore negativo", "conteggi e importi non possono essere negativi: correggere il valore"
    if check == "intero":
        return "serve un numero intero", "scrivere un numero senza decimali"
    if check == "anno_valido":
        return (f"anno fuori intervallo ({YEAR_RANGE[0]}-{YEAR_RANGE[1]})",
                "scrivere l'anno a quattro cifre, es. 2023")
    if check == "conteggio_enorme":
        return (f"conteggio troppo grande (massimo {MAX_COUNT:,})".replace(",", "."),
                "scrivere il numero per intero, senza esponenti come 1e30")
    if check == "importo_enorme":
        return (f"importo troppo grande (massimo {MAX_AMOUNT:,} euro)".replace(",", "."),
                "controllare l'importo: in euro, con la virgola per i decimali")
    if check == "valore_enorme":
        return "valore troppo grande", "controllare il valore (nessun indicatore supera mille miliardi)"
    if check == "area_nota":
        return "area sconosciuta", f"aree valide: {', '.join(AREE)}"
    if check == "fonte_nota":
        return "fonte di finanziamento sconosciuta", f"valori ammessi: {', '.join(FONTI_FINANZIAMENTO)}"
    if check == "polarita_nota":
        return "polarità sconosciuta", "scrivere 'alto_meglio' oppure 'basso_meglio'"
    if check == "comune_del_distretto":
        if str(value) in known_comuni:
            return "comune fuori dal distretto", "usare solo i comuni elencati in distretto.yml (o aggiungerlo lì)"
        return "codice comune sconosciuto", "usare il codice ISTAT a 6 cifre del comune (es. 018110 per Pavia)"
    return f"controllo '{check}' non superato", "correggere il valore"


def _duplicate_problems(typed: pd.DataFrame, spec: TableSpec, file: str) -> list[Problem]:
    key = [k for k in spec.key if k in typed.columns]  # an optional key column counts when it is given
    complete = typed.dropna(subset=[k for k in key if not spec.column(k).nullable])
    dup = complete.duplicated(key, keep=False)
    problems = []
    if dup.any():
        groups = complete[dup].groupby(key, sort=False, dropna=False)[LINE_COLUMN]
        for keys, lines in groups:
            lines = sorted(lines)
            keys = keys if isinstance(keys, tuple) else (keys,)
            label = ", ".join(f"{k}={_show(v)}" for k, v in zip(key, keys))
            for line in lines[1:]:
                problems.append(Problem("errore", f"riga duplicata: stessa chiave della riga {lines[0]}", file=file,
                                        line=int(line), column=", ".join(key), value=label,
                                        fix="tenere una sola riga per chiave (sommare i valori o correggere la chiave)"))
    return problems


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_table(frame: pd.DataFrame, spec: TableSpec, file: str, comuni: list[str],
                known_comuni: set[str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate a table read by `tabular.read_table`; return (typed frame, problems)."""
    problems = [
        Problem("errore", "colonna mancante", file=file, line=1, column=c.name,
                fix=f"aggiungere la colonna '{c.name}' nell'intestazione" + (f" ({c.help})" if c.help else ""))
        for c in spec.columns if c.required and c.name not in frame.columns
    ]
    typed, parse_problems = _parse(frame, spec, file)
    problems += parse_problems
    already = {(p.line, p.column) for p in problems}
    schema = build_schema(spec, comuni)
    present = [c.name for c in spec.columns if c.name in frame.columns]
    schema = schema.select_columns(present)
    try:
        schema.validate(typed[present + [LINE_COLUMN]], lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            if case.index is None or pd.isna(case.index) or case.column not in typed.columns:
                continue
            line = int(typed.at[int(case.index), LINE_COLUMN])
            if (line, case.column) in already:
                continue
            col = next((c for c in spec.columns if c.name == case.column), None)
            message, fix = _message(str(case.check).split("(")[0], col, case.failure_case, known_comuni or set())
            raw = frame.at[int(case.index), case.column]
            problems.append(Problem("errore", message, file=file, line=line, column=case.column,
                                    value=raw if raw != "" else None, fix=fix))
            already.add((line, case.column))
    problems += _duplicate_problems(typed, spec, file)
    typed = _finalise_types(typed, spec)
    return typed, sorted(problems, key=lambda p: (p.line or 0, p.column or ""))


def _finalise_types(typed: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    out = typed.copy()
    for col in spec.columns:
        if col.kind in ("int", "year"):
            values = out[col.name]
            # out-of-range values are already reported; keep them out of the integer cast (1e30 overflows)
            values = values.where(values.abs() <= max(MAX_COUNT, YEAR_RANGE[1]))
            out[col.name] = values.round().astype("Int64")
    return out
