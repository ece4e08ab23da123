"""Generated exports of ISTAT's survey per ambito (dataflow DCIS_SPESESERSOC1_5) in the real layouts.

The rows are GENERATED (seeded), not ISTAT's: the codes, columns, labels and
quirks are those of the real export (``shared/reference/istat_ats/excerpt_2021.csv``,
copied in ``tests/fixtures/istat_ats/``), the numbers are made up, sized like a
Lombard ambito's.  `lombardia` gives Lombardia (ITC4) with `n_ambiti` ambiti
``T03001``..., one of them named as the test asks, Piemonte (ITC1) with a few
ambiti, and Italy; `write` writes them with or without label columns, BOM, ``;``
or the REST service's ``DATAFLOW`` column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DATAFLOW = "IT1:47_940_DF_DCIS_SPESESERSOC1_5(1.0)"
#: area -> (label, euro per inhabitant of the reference population around which ambiti scatter, services)
AREAS = {
    "FAM": ("Famiglia e minori", 180.0, [("ALL", "Tutte le voci"), ("AGGRC", "Centri di aggregazione / sociali"),
                                         ("SUMDAYC", "Centri diurni estivi")]),
    "DIS": ("Disabili", 2600.0, [("ALL", "Tutte le voci"), ("DAYC", "Centro diurno")]),
    "ELD": ("Anziani", 95.0, [("ALL", "Tutte le voci"), ("HOMECARE", "Assistenza domiciliare socio-assistenziale"),
                              ("REMASS", "Telesoccorso e teleassistenza")]),
    "IMMNOM": ("Immigrati, Rom, Sinti e Caminanti", 25.0, [("ALL", "Tutte le voci")]),
    "POV": ("Povertà, disagio adulti e senza dimora", 18.0, [("ALL", "Tutte le voci"),
                                                            ("PSW", "Servizio sociale professionale")]),
    "ADD": ("Dipendenze", 1.5, [("ALL", "Tutte le voci")]),
    "MULBEN": ("Multiutenza", 22.0, [("ALL", "Tutte le voci")]),
}
HEADER_LABELS = ["FREQ", "REF_AREA", "Territorio", "DATA_TYPE", "Indicatore", "CATEG_OF_BENEFICIARIES",
                 "Area di utenza", "CATEGORY_OF_SERVICE", "Servizio o intervento", "TIME_PERIOD", "Osservazione"]
HEADER_REST = ["DATAFLOW", "FREQ", "REF_AREA", "DATA_TYPE", "CATEG_OF_BENEFICIARIES", "CATEGORY_OF_SERVICE",
               "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "UNIT_MULT"]
TYPES = {"EXPMUN": "Spesa dei comuni (euro)",
         "EXPTPOP": "Spesa dei comuni sulla popolazione di riferimento (euro)",
         "USSSPM": "Utenti", "PERUSTPOP": "Utenti sulla popolazione di riferimento"}


def lombardia(n_ambiti: int = 90, years=(2020, 2021), named: dict[str, str] | None = None, seed: int = 7,
              areas=tuple(AREAS), italy: bool = True) -> list[tuple]:
    """Rows (REF_AREA, territory label, DATA_TYPE, CATEG, SERVICE, service label, year, value) of a generated file."""
    rng = np.random.default_rng(seed)
    named = named or {}
    territories = {f"T03{i:03d}": named.get(f"T03{i:03d}", f"Ambito generato {i:03d}") for i in range(1, n_ambiti + 1)}
    territories.update({f"T01{i:03d}": f"Ambito piemontese generato {i:03d}" for i in range(1, 6)})
    size = {code: float(rng.uniform(25_000, 220_000)) for code in territories}
    effect = {code: float(np.exp(rng.normal(0, 0.3))) for code in territories}
    rows = []
    for year in years:
        for area in areas:
            label, level, services = AREAS[area]
            totals = {}
            for code, name in territories.items():
                pop = size[code] * 0.2
                per_head = round(level * effect[code] * (1 + 0.03 * (year - years[0])) * rng.uniform(0.9, 1.1), 0)
                rows += [(code, name, "EXPTPOP", area, "ALL", "Tutte le voci", year, per_head),
                         (code, name, "EXPMUN", area, "ALL", "Tutte le voci", year, round(per_head * pop))]
                for service, service_label in services[1:]:
                    users = int(rng.poisson(pop * 0.004)) if pop > 12_000 else int(rng.integers(1, 5))
                    rows += [(code, name, "USSSPM", area, service, service_label, year, users),
                             (code, name, "PERUSTPOP", area, service, service_label, year,
                              round(users / pop * 100, 2))]
                totals[code] = (per_head, pop)
            for ref, name, members in (("ITC4", "Lombardia", "T03"), ("ITC1", "Piemonte", "T01"),
                                       *((("IT", "Italia", "T"),) if italy else ())):
                mine = [v for c, v in totals.items() if c.startswith(members)]
                spend = sum(p * n for p, n in mine) / sum(n for _, n in mine)
                rows.append((ref, name, "EXPTPOP", area, "ALL", "Tutte le voci", year, round(spend * 0.97, 0)))
                for service, service_label in services[1:]:
                    rows.append((ref, name, "PERUSTPOP", area, service, service_label, year, 0.41))
    return rows


def write(path: Path, rows: list[tuple], *, labels: bool = True, bom: bool = False, sep: str = ",",
          rest: bool = False) -> Path:
    """Write `rows` as IstatData does: the browser's export with labels, or the REST service's SDMX-CSV."""
    def cell(text) -> str:
        text = str(text)
        return f'"{text}"' if sep in text or '"' in text else text

    lines = [sep.join(HEADER_REST if rest else HEADER_LABELS if labels else
                      [h for h in HEADER_LABELS if h.isupper()] + ["OBS_VALUE"])]
    for code, name, kind, area, service, service_label, year, value in rows:
        number = f"{value:g}" if isinstance(value, float) else str(value)
        if sep == ";":
            number = number.replace(".", ",")
        if rest:
            fields = [DATAFLOW, "A", code, kind, area, service, year, number, "", "0"]
        elif labels:
            fields = ["A", code, name, kind, TYPES[kind], area, AREAS.get(area, (area,))[0], service, service_label,
                      year, number]
        else:
            fields = ["A", code, kind, area, service, year, number]
        lines.append(sep.join(cell(f) for f in fields))
    text = "\n".join(lines) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    return path
