"""Accumulation of disadvantage ("stapeling"): where unfavourable scores pile up.

The way Amsterdam's research office (OIS) shows it: an indicator x area table, each cell
coloured by the area's distance to a reference, direction-aware (for a "lager_is_beter"
indicator a higher value is unfavourable), and per area the number of unfavourable scores.

The reference is the analyst's choice and every result says which one it used (`rule`):

- "mean": the unweighted mean of the areas; unfavourable = on the unfavourable side of it,
  optionally by more than a margin (`threshold`, in the indicator's unit or, with
  `threshold_in_sd=True`, in standard deviations of the areas);
- "given": a reference value per indicator (e.g. the city average, weighted by population);
- "rest": each area against the mean of the other areas, with a two-sided z-test when
  standard errors are known;
- "sd": the OIS rule with one standard deviation of the areas as the unit (z-scores).

The published Amsterdam counts (`aantal_ondergemiddeld_gepubliceerd`) came from an
unpublished rule; `best_matching_rule` shows how close each built-in rule comes.

Also here: `inzet_opgave`, which sets effort (inzet, e.g. library floor space) against need
(opgave, e.g. reading level) per area, with a rank correlation and a quadrant per area.
No streamlit and no plotly here: the figures (`heatmap_figure`, `inzet_opgave_figure`) are in
`research/survey/charts.py`, beside the other charts; pages render the tables and figures.

The modules: `data` (reading and checking the tables, the Amsterdam files, a wave's results
as a table, `StapelingError`), `rules` (the computation and the published counts) and `inzet`
(inzet versus opgave); this package offers what the rest of the app uses.
"""

from research.survey.stapeling.data import (
    BIBLIOTHEKEN_FILE,
    FOLDER,
    GEBIEDEN_FILE,
    JGZ_FILE,
    META_FILE,
    PUBLISHED_COLUMN,
    SES_FILE,
    StapelingError,
    from_monitor,
    load_amsterdam,
    load_table,
    nl_number,
    read_csv,
)
from research.survey.stapeling.inzet import inzet_opgave
from research.survey.stapeling.rules import (
    REFERENCES,
    Stapeling,
    best_matching_rule,
    by_group,
    compare_published,
    stapeling,
)

__all__ = [
    "BIBLIOTHEKEN_FILE", "FOLDER", "GEBIEDEN_FILE", "JGZ_FILE", "META_FILE", "PUBLISHED_COLUMN",
    "REFERENCES", "SES_FILE", "Stapeling", "StapelingError", "best_matching_rule", "by_group",
    "compare_published", "from_monitor", "inzet_opgave", "load_amsterdam", "load_table",
    "nl_number", "read_csv", "stapeling",
]
