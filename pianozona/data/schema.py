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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import pandera.pandas as pa

from pianozona.data.areas import AREE
from pianozona.data.leps_registry import FIGURE, LEPS, STATI, figura_code, leps_code, stato_code
from pianozona.errors import Problem
from pianozona.data.tabular import LINE_COLUMN, parse_number
from pianozona.names import NameIndex, code_key

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
#: full-time equivalents of one figure in one year: more than ten thousand is a typing error
MAX_FTE = 10_000
YEAR_RANGE = (1990, 2100)
#: What the `servizio` of an objective says when the indicator counts every user of its area.
ALL_SERVICES_WORDS = frozenset({"tutti", "tutti i servizi", "totale", "totale area", "area"})
YES_NO = {"si": True, "sì": True, "s": True, "x": True, "1": True, "vero": True,
          "no": False, "n": False, "0": False, "falso": False}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # int | amount | float | fte | text | comune | area | fonte_finanziamento | polarita | yesno | year
    #          | figura | leps | stato_leps
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


_FONTE = ColumnSpec("fonte", "text",
                    help="provenienza del dato (es. 'piano di zona 2012-2014', 'gestionale', 'dimostrativo')")

TABLES = MappingProxyType({t.name: t for t in (
    TableSpec("utenti", "Utenti dei servizi per anno, comune, area e servizio", (
        ColumnSpec("anno", "year"),
        ColumnSpec("codice_comune", "comune", help="codice ISTAT a 6 cifre"),
        ColumnSpec("area", "area"),
        ColumnSpec("servizio", "text"),
        ColumnSpec("utenti", "int",
                   help="utenti del servizio nell'anno (chi usa due servizi compare in due righe: "
                        "la somma sui servizi non conta persone)"),
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
    TableSpec("personale", "Personale dei servizi sociali per anno, figura e contratto (equivalenti a tempo pieno)", (
        ColumnSpec("anno", "year"),
        ColumnSpec("figura", "figura", help="assistente_sociale, educatore, psicologo, operatore_socio_sanitario, "
                                            "mediatore, amministrativo, altro"),
        ColumnSpec("fte", "fte", help="equivalenti a tempo pieno nell'anno (media annua: 1 = un tempo pieno tutto "
                                      "l'anno, 0,5 = un part-time al 50%)"),
        ColumnSpec("tempo_indeterminato", "yesno", help="sì: contratto a tempo indeterminato; no: tempo determinato "
                                                        "o altro"),
        ColumnSpec("ente", "text", nullable=True, required=False,
                   help="facoltativa: l'ente che assume (comune, consorzio, azienda); una riga per ente"),
        _FONTE,
    ), key=("anno", "figura", "tempo_indeterminato", "ente"), required=False, warn_missing=False),
    TableSpec("leps", "Livelli essenziali delle prestazioni sociali (LEPS) attivi nell'anno", (
        ColumnSpec("anno", "year"),
        ColumnSpec("leps", "leps", help=", ".join(LEPS)),
        ColumnSpec("stato", "stato_leps", help="sì / no / parziale"),
        ColumnSpec("nota", "text", nullable=True, required=False, help="facoltativa: cosa manca, da quando"),
        _FONTE,
    ), key=("anno", "leps"), required=False, warn_missing=False),
)})

_NUMERIC = {"int", "amount", "float", "fte", "year"}


def _normalise_codes(series: pd.Series, kind: str, comuni: Mapping[str, str] | None = None) -> pd.Series:
    text = series.astype(str).str.strip()
    if kind == "comune":
        codes = text.where(~text.str.fullmatch(r"\d{1,6}"), text.str.zfill(6))
        if not comuni:
            return codes
        index = NameIndex((code, [name]) for code, name in comuni.items())  # a district comune typed by name
        named = {t: index.find(t) for t in set(text) if t and not t.isdigit()}
        by_name = text.map(lambda t: named[t][0] if len(named.get(t, ())) == 1 else None)
        return by_name.where(by_name.notna(), codes)
    if kind == "area":
        keys = text.map(code_key)
        labels = {code_key(a.etichetta): a.codice for a in AREE.values()}  # "Minori e famiglia" -> minori
        return keys.map(lambda k: labels.get(k, k))
    if kind == "fonte_finanziamento":
        lowered = text.str.lower()
        upper = text.str.upper()
        mapped = lowered.map(_FONTI_ALIAS)
        canonical = {k.lower(): k for k in FONTI_FINANZIAMENTO}
        funds = upper.where(upper.isin(["FNPS", "FSR", "FNA"]))
        return mapped.fillna(lowered.map(canonical)).fillna(funds).fillna(text)
    if kind == "polarita":
        lowered = text.str.lower().str.replace(" ", "_")
        return lowered.map(_POLARITA_ALIAS).fillna(lowered)
    folding = {"figura": figura_code, "leps": leps_code, "stato_leps": stato_code}.get(kind)
    if folding is not None:
        return text.map(lambda v: folding(v) if v else v)
    return text


#: what to write in a numeric cell that could not be read, by kind of column
NUMBER_FIX = {
    "year": "scrivere l'anno a 4 cifre (es. 2023)",
    "int": "scrivere un numero intero (es. 12): 0 se non ci sono utenti; se il dato non è noto, cancellare la riga",
    "amount": "scrivere l'importo in euro, con la virgola per i decimali (es. 12.500,00 oppure 12500)",
    "float": "scrivere un numero, con la virgola per i decimali (es. 12,5)",
    "fte": "scrivere gli equivalenti a tempo pieno, con la virgola per i decimali (es. 2,5)",
}


def _parse(frame: pd.DataFrame, spec: TableSpec, file: str,
           comuni: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
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
                    column=col.name, value=raw.at[idx], fix=NUMBER_FIX[col.kind],
                ))
            out[col.name] = numbers
        elif col.kind == "yesno":
            out[col.name] = raw.str.lower().map(YES_NO).astype("boolean")
            for idx in raw[(raw != "") & out[col.name].isna()].index:
                problems.append(Problem("errore", "valore non riconosciuto", file=file,
                                        line=int(frame.at[idx, LINE_COLUMN]), column=col.name,
                                        value=raw.at[idx], fix="scrivere 'sì' oppure 'no'"))
        else:
            values = _normalise_codes(raw, col.kind, comuni)
            out[col.name] = values.where(values != "", None)
    out[LINE_COLUMN] = frame[LINE_COLUMN].astype(int)
    return out, problems


def _unreadable_message(text: str) -> str:
    if str(text).strip() in ("-", "--", "–", "—", "/", "?", "n.d.", "nd", "n/d"):
        return "segno al posto di un numero"
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
        "fte": [pa.Check.ge(0, name="non_negativo"), pa.Check(lambda s: s <= MAX_FTE, name="fte_enorme")],
        "figura": [pa.Check.isin(list(FIGURE), name="figura_nota")],
        "leps": [pa.Check.isin(list(LEPS), name="leps_nota")],
        "stato_leps": [pa.Check.isin(list(STATI), name="stato_nota")],
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
                 "comune": "comune_del_distretto", "figura": "figura_nota", "leps": "leps_nota",
                 "stato_leps": "stato_nota"}
_CODE_MESSAGES = {
    "figura_nota": ("figura professionale sconosciuta", "figure ammesse: " + ", ".join(FIGURE)),
    "leps_nota": ("LEPS sconosciuto", "codici ammessi: " + ", ".join(LEPS)),
    "stato_nota": ("stato del LEPS non riconosciuto", "scrivere 'sì', 'no' oppure 'parziale'"),
    "fte_enorme": (f"equivalenti a tempo pieno troppo grandi (massimo {MAX_FTE:,})".replace(",", "."),
                   "scrivere gli equivalenti a tempo pieno dell'anno, es. 3,5"),
    "non_negativo": ("valore negativo", "conteggi e importi non possono essere negativi: correggere il valore"),
    "intero": ("serve un numero intero", "scrivere un numero senza decimali"),
    "anno_valido": (f"anno fuori intervallo ({YEAR_RANGE[0]}-{YEAR_RANGE[1]})",
                    "scrivere l'anno a quattro cifre, es. 2023"),
    "conteggio_enorme": (f"conteggio troppo grande (massimo {MAX_COUNT:,})".replace(",", "."),
                         "scrivere il numero per intero, senza esponenti come 1e30"),
    "importo_enorme": (f"importo troppo grande (massimo {MAX_AMOUNT:,} euro)".replace(",", "."),
                       "controllare l'importo: in euro, con la virgola per i decimali"),
    "valore_enorme": ("valore troppo grande", "controllare il valore (nessun indicatore supera mille miliardi)"),
    "area_nota": ("area sconosciuta", f"aree valide: {', '.join(AREE)}"),
    "fonte_nota": ("fonte di finanziamento sconosciuta", f"valori ammessi: {', '.join(FONTI_FINANZIAMENTO)}"),
    "polarita_nota": ("polarità sconosciuta", "scrivere 'alto_meglio' oppure 'basso_meglio'"),
}


def district_examples(comuni: Mapping[str, str] | Sequence[str], shown: int = 6) -> str:
    """The district's own comuni as examples of codes: "036005 Campogalliano, 036004 Carpi, ..."."""
    items = list(comuni.items()) if isinstance(comuni, Mapping) else [(c, "") for c in comuni]
    text = ", ".join(f"{code} {name}".strip() for code, name in items[:shown])
    return text + (f" e altri {len(items) - shown} (elenco in distretto.yml)" if len(items) > shown else "")


def _message(check: str, col: ColumnSpec | None, value, known_comuni: set[str],
             comuni: Mapping[str, str] | Sequence[str] = ()) -> tuple[str, str]:
    check = _BUILTIN.get(check, check)
    if check == "isin" and col is not None:
        check = _ISIN_BY_KIND.get(col.kind, check)
    if check in _CODE_MESSAGES:
        return _CODE_MESSAGES[check]
    if check == "not_nullable":
        fix = "inserire 0 se non ci sono utenti" if col is not None and col.kind == "int" else "compilare la cella"
        return "cella vuota", fix
    if check == "comune_del_distretto":
        if str(value) in known_comuni:
            return "comune fuori dal distretto", "usare solo i comuni elencati in distretto.yml (o aggiungerlo lì)"
        return "codice comune sconosciuto", ("usare il codice ISTAT a 6 cifre (o il nome) di un comune del distretto: "
                                             + district_examples(comuni))
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
                                        fix="tenere una sola riga per chiave "
                                            "(sommare i valori o correggere la chiave)"))
    return problems


def _show(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "(vuoto)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_table(frame: pd.DataFrame, spec: TableSpec, file: str, comuni: Mapping[str, str] | Sequence[str],
                known_comuni: set[str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate a table read by `tabular.read_table`; return (typed frame, problems).

    `comuni` are the district's comuni: codes, or code -> name (then a comune may be typed by its name,
    accents and apostrophes aside, and messages give the district's own codes as examples).
    """
    problems = [
        Problem("errore", "colonna mancante", file=file, line=1, column=c.name,
                fix=f"aggiungere la colonna '{c.name}' nell'intestazione" + (f" ({c.help})" if c.help else ""))
        for c in spec.columns if c.required and c.name not in frame.columns
    ]
    names = comuni if isinstance(comuni, Mapping) else None
    typed, parse_problems = _parse(frame, spec, file, names)
    problems += parse_problems
    already = {(p.line, p.column) for p in problems}
    schema = build_schema(spec, list(comuni))
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
            message, fix = _message(str(case.check).split("(")[0], col, case.failure_case, known_comuni or set(),
                                    comuni)
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
