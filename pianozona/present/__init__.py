"""What a reader sees: charts, tables and text of a notebook, and the HTML pages built from them.

Modules:

- `charts`: the statistical charts in the house style (funnel, forest, trend);
- `charts_forest`: the forest plot (past ~40 units, the outliers and extremes only, and it says so);
- `labels`: which units a chart names (a capped few) and label placement without overlap in linear time;
- `charts_district`: the district charts (pyramid, map, objectives, budget);
- `charts_plan`: the plan's charts (progress of each objective from baseline to target);
- `charts_national`: the strip chart of an ambito among its region's (ISTAT survey) and the staff against the LEPS
  ratios;
- `charts_profile`: the spine chart of a comune's profile (each indicator within the comuni's range, against the
  district, the verdict in colour, shape and words);
- `style`: the house look of every chart (palette, theme, Italian numbers on the axes, `literal` text);
- `scaffold`: the steps around every chart's drawing (table check, Axes, title and source line, `describe`);
- `display`: tables and text for a notebook's output, escaped by construction;
- `rug_table`: the verdict table (units × indicators, each cell the value and its verdict in words and colour);
- `spreadsheet`: the tables a report shows, recorded during a run and written as one xlsx (never formulas);
- `headlines`: the two or three headline figures of each report on the index, from its key figures;
- `safe_html`: escape by construction: the allow-list sanitiser, no network loads, the autoescaping
  Jinja environment of ``templates/`` and the page stylesheet;
- `document`: the markdown of one page (escaped unless the author's), heading ids, table of contents;
- `cells`: one notebook cell to HTML (hidden cells and outputs, images with alt text, the failing cell);
- `render`: an executed notebook to a sanitised HTML page, the index of a run and its dictionary of definitions;
- `word`: a published page as an editable Word document (.docx) with the same tables and charts;
- `explorer`: the planners' explorer in JupyterLab (ipywidgets menus for area, year, comune over a
  coverage table and its chart; raw data, marked as not for sharing).

Nothing here reads raw data or decides what may be published: it shows what
`pianozona.analysis` computed and `pianozona.privacy` protected.
"""

import importlib

__all__ = ["cells", "charts", "charts_district", "charts_forest", "charts_national", "charts_plan", "charts_profile",
           "display", "document", "explorer", "headlines", "labels", "render", "rug_table", "safe_html", "scaffold",
           "spreadsheet", "style", "word"]


def __getattr__(name: str):
    """Import a submodule on first use (``pianozona.present.charts``): matplotlib loads only when needed."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
