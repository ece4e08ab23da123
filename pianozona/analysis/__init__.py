"""Indicators and honest statistics, computed from a loaded district.

Modules:

- `stats`: the field's reference statistics in one namespace (``stats.rate_ci``), gathered from:
  - `intervals`: confidence intervals of proportions and rates, also by group (`by_group`);
  - `standardisation`: directly and indirectly standardised rates (DSR, ISR, ESP2013);
  - `funnel`: funnel-plot limits and where each unit falls against them;
  - `trend`: the recent trend of a series (Fingertips' trend marker);
  - `benchmarking`: better, similar or worse than a comparator;
  - `poisson`: Poisson limits and tails of a count (exact, Byar);
  - `arguments`: how every statistic reads and checks its arguments;
- `definitions`: the dictionary of definitions, one registry of every indicator the suite shows (name, definition,
  numerator, denominator, sources, methods, protection, update frequency), whose names the reports' headers use,
  with `definitions_entry` (the `Indicatore` every entry is), `definitions_national` (the entries of the comparison
  with ISTAT's survey and of the LEPS: groups of the same registry), `definitions_methods` (intervals, comparisons
  and the protection rule in Italian, from the code's constants)
  and `glossary` (the dictionary as a document: the published page and each spreadsheet's sheet "Definizioni");
- `indicators`: demographic indicators, coverage and spending per resident;
- `protection`: the district's one protection: every area and year, comuni and services together, and the
  objectives that count people (`protect_district`, `audit`);
- `needs`: the needs analysis of one target area, read from the district's protection (`analyse`);
- `services`: users per service of an area (protected with the area's table), spending per service, service presence;
- `change`: the change of a rate between two years, with the exact conditional test of two Poisson rates;
- `naming`: name at most a few units in a sentence and count the rest ("A, B, C e altri 12 comuni");
- `shortlist`: which rows of a long table a page shows (extremes and outliers, at most 40) and the note saying so;
- `overview`: the district's demography (pyramid, indicators by comune);
- `profile`: the profile of one comune (demography, areas from the protected `needs` tables, spine chart rows);
- `profile_text`: the Italian summary, hidden-value notes and key figures of a comune's profile;
- `rug`: the mayors' overview, comuni x indicators with value, suppression and verdict;
- `verification`: the annual verification of the plan's objectives;
- `national`: the ambito beside its region, Italy and the region's other ambiti, from ISTAT's survey per ambito;
- `leps`: the social-worker LEPS (L. 178/2020, c. 797), the contribution the rule gives, the checklist of the other
  LEPS;
- `progress`: progress on the straight path from baseline to target (share of the way, expected value, gap, status);
- `budget`: spending by area and by source of funds;
- `summary`: a short terminal summary of a district;
- `results`: how a result (needs analysis, profile, comparison) introduces itself in a notebook: a short summary;
- `territory`: the comparison of a territory's districts (coverage against the pooled rate, demography, spending,
  summary).

District-wide results are cached by `pianozona.data.cache.per_district` (the one cache of the package).

Counts that reach a shared page go through `pianozona.privacy.protect` here, in the
analysis, before any text, chart or key figure is derived from them.
"""

import importlib

__all__ = ["arguments", "benchmarking", "budget", "change", "definitions", "definitions_entry", "definitions_methods",
           "definitions_national", "funnel", "glossary", "indicators", "intervals", "leps", "naming",
           "national", "needs", "overview", "protection", "poisson", "profile", "profile_text", "progress", "results",
           "rug", "services", "shortlist", "standardisation", "stats", "summary", "territory", "trend", "verification"]


def __getattr__(name: str):
    """Import a submodule on first use (``pianozona.analysis.stats``), so a light import stays light."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
