"""The year report of the wijkwerkplaatsen for the programme council (Word and Excel), and the
export of the questions a user may read (Excel, `tracker export OUT.xlsx`).

The year report is made from `overview.year_report_data`: counts only, never a question in a
resident's words. No export reads the contact details table. Excel cells holding text are
written as text, so a value starting with '=' never runs as a formula.
"""

from __future__ import annotations

import io
from pathlib import Path

from research.accounts import PermissionDenied, User, can
from research.exports import text_cell, xml_safe
from research.storage import Store
from research.tracker import questions
from research.tracker.questions import ASKER_GROUPS, STATUSES
from research.tracker.reportback import CHANNELS

# matplotlib, python-docx and openpyxl are imported by the function that writes with them:
# `tracker export` needs only openpyxl, and the command line starts without the others.

BREAKDOWNS = {"by_programme": "Programma", "by_life_domain": "Leefdomein",
              "by_asker_group": "Gesteld door"}
OVERVIEW_HEADER = ["Wijkwerkplaats", "Vragen", "Open", "Gekoppeld", "Gesloten",
                   "Met terugkoppeling", "Zonder terugkoppeling", "Aandeel terugkoppeling (%)",
                   "Mediaan dagen tot terugkoppeling", "Ontwikkelvraag", "Status",
                   "Voortgang (%)"]
EXPORT_HEADER = ["Nr", "Datum", "Wijkwerkplaats", "Plek", "Vraag", "Gesteld door",
                 "Programma", "Leefdomein", "Status", "Terugkoppeling"]


def title(data: dict) -> str:
    """The report's title."""
    return f"Jaarverslag wijkwerkplaatsen {data['year']}"


def _number(value) -> str:
    """A count, share or median as Dutch text ('-' when there is none)."""
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))


def _euro(value: float) -> str:
    return f"€ {value:,.0f}".replace(",", ".")


# -- chart ------------------------------------------------------------------------------------

def chart_png(data: dict) -> bytes:
    """Questions per wijkwerkplaats, stacked by programme, as a PNG image."""
    import matplotlib

    matplotlib.use("Agg")  # no display on the server
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    wijken = [w["wijk"] for w in data["wijken"]]
    themes = sorted({t for w in data["wijken"] for t in w["by_programme"]})
    figure, axis = plt.subplots(figsize=(8, max(2.5, 0.6 * len(wijken) + 1.5)))
    left = [0] * len(wijken)
    colours = plt.get_cmap("tab10")
    for n, theme in enumerate(themes):
        values = [w["by_programme"].get(theme, 0) for w in data["wijken"]]
        axis.barh(wijken, values, left=left, label=theme, color=colours(n % 10))
        left = [a + b for a, b in zip(left, values, strict=True)]
    axis.invert_yaxis()
    axis.set_xlabel("Aantal vragen")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_title(f"Bewonersvragen per wijkwerkplaats en programma, {data['year']}")
    axis.spines[["top", "right"]].set_visible(False)
    if themes:
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


# -- Word -------------------------------------------------------------------------------------

def _table(document, header: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = str(value)


def _facts(part: dict) -> list[list]:
    return [["Vragen", _number(part["questions"])],
            *[[label, _number(part[key])] for key, label in STATUSES.items()],
            ["Met terugkoppeling", _number(part["with_reportback"])],
            ["Zonder terugkoppeling", _number(part["without_reportback"])],
            ["Aandeel met terugkoppeling (%)", _number(part["reportback_share"])],
            ["Mediaan dagen tot terugkoppeling", _number(part["median_days_to_reportback"])]]


def _breakdowns_docx(document, part: dict) -> None:
    for key, label in BREAKDOWNS.items():
        if part[key]:
            document.add_paragraph(f"Vragen per {label.lower()}" if key != "by_asker_group"
                                   else "Vragen naar wie ze stelde")
            _table(document, [label, "Aantal"], [[k, v] for k, v in part[key].items()])


def _ontwikkelvraag_docx(document, item: dict | None, year: int) -> None:
    document.add_heading("Ontwikkelvraag", level=2)
    if item is None:
        document.add_paragraph(f"Geen ontwikkelvraag vastgelegd voor {year}.")
        return
    paragraph = document.add_paragraph()
    paragraph.add_run(item["title"]).bold = True
    document.add_paragraph(item["question"])
    document.add_paragraph(f"Status: {item['status']}; voortgang {item['progress']}%. "
                           f"Ontwikkelbudget: {_euro(item['budget_spent'])} besteed van "
                           f"{_euro(item['budget_granted'])} toegekend.")
    if item["partners"]:
        _table(document, ["Partner", "Rol", "Toegekend", "Besteed"],
               [[p["name"], p["role_name"], _euro(p["budget_granted"]),
                 _euro(p["budget_spent"])] for p in item["partners"]])
    if item["milestones"]:
        document.add_paragraph("Mijlpalen")
        _table(document, ["Mijlpaal", "Gepland", "Bereikt"],
               [[m["title"], m["due_on"] or "-", m["done_on"] or "nog niet"]
                for m in item["milestones"]])


def to_docx(data: dict) -> bytes:
    """The year report as a Word document: totals, a chart, a section per wijkwerkplaats."""
    from docx import Document
    from docx.shared import Pt

    data = xml_safe(data)
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(title(data), level=0)
    document.add_paragraph(f"Gemaakt op {data['made_on']}. Dit verslag bevat alleen aantallen: "
                           "geen vragen in de woorden van bewoners en geen contactgegevens.")
    document.add_heading("Alle wijkwerkplaatsen", level=1)
    _table(document, ["", "Aantal"], _facts(data["total"]))
    if data["total"]["questions"]:
        document.add_picture(io.BytesIO(chart_png(data)), width=Pt(420))
    _breakdowns_docx(document, data["total"])
    for part in data["wijken"]:
        document.add_heading(f"Wijkwerkplaats {part['wijk']}", level=1)
        _table(document, ["", "Aantal"], _facts(part))
        _breakdowns_docx(document, part)
        _ontwikkelvraag_docx(document, part["ontwikkelvraag"], data["year"])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# -- Excel ------------------------------------------------------------------------------------



def _write(sheet, header: list[str], rows: list[list]) -> None:
    """A header row in bold, then the rows."""
    from openpyxl.styles import Font

    for column, text in enumerate(header, 1):
        text_cell(sheet, 1, column, text)
        sheet.cell(row=1, column=column).font = Font(bold=True)
    for r, values in enumerate(rows, 2):
        for column, value in enumerate(values, 1):
            text_cell(sheet, r, column, value)


def _overview_row(label: str, part: dict, item: dict | None) -> list:
    return [label, part["questions"], *[part[s] for s in STATUSES], part["with_reportback"],
            part["without_reportback"], part["reportback_share"],
            part["median_days_to_reportback"], item["title"] if item else None,
            item["status"] if item else None, item["progress"] if item else None]


def _xlsx_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_xlsx(data: dict) -> bytes:
    """The year report as a workbook: Overzicht, Thema's, Ontwikkelvragen, Partners, Mijlpalen."""
    from openpyxl import Workbook

    data = xml_safe(data)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Overzicht"
    _write(sheet, OVERVIEW_HEADER,
           [*[_overview_row(p["wijk"], p, p["ontwikkelvraag"]) for p in data["wijken"]],
            _overview_row("Totaal", data["total"], None)])
    _write(book.create_sheet("Thema's"), ["Wijkwerkplaats", "Indeling", "Thema", "Aantal"],
           [[p["wijk"], label, theme, n] for p in [*data["wijken"], {**data["total"],
                                                                    "wijk": "Totaal"}]
            for key, label in BREAKDOWNS.items() for theme, n in p[key].items()])
    with_ov = [p for p in data["wijken"] if p["ontwikkelvraag"]]
    _write(book.create_sheet("Ontwikkelvragen"),
           ["Wijkwerkplaats", "Titel", "Ontwikkelvraag", "Status", "Voortgang (%)",
            "Budget toegekend (€)", "Budget besteed (€)"],
           [[p["wijk"], o["title"], o["question"], o["status"], o["progress"],
             o["budget_granted"], o["budget_spent"]]
            for p in with_ov for o in [p["ontwikkelvraag"]]])
    _write(book.create_sheet("Partners"),
           ["Wijkwerkplaats", "Ontwikkelvraag", "Partner", "Rol", "Budget toegekend (€)",
            "Budget besteed (€)"],
           [[p["wijk"], p["ontwikkelvraag"]["title"], partner["name"], partner["role_name"],
             partner["budget_granted"], partner["budget_spent"]]
            for p in with_ov for partner in p["ontwikkelvraag"]["partners"]])
    _write(book.create_sheet("Mijlpalen"),
           ["Wijkwerkplaats", "Ontwikkelvraag", "Mijlpaal", "Gepland", "Bereikt"],
           [[p["wijk"], p["ontwikkelvraag"]["title"], m["title"], m["due_on"], m["done_on"]]
            for p in with_ov for m in p["ontwikkelvraag"]["milestones"]])
    return _xlsx_bytes(book)


# -- export of the questions ------------------------------------------------------------------

def _reportbacks(store: Store, ids: list[int]) -> dict[int, str]:
    """Question id -> its report-backs as one text ('datum (hoe): tekst', oldest first)."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in store.rows(
                "SELECT question_id, reported_on, how, text FROM question_reportbacks"
                f" WHERE question_id IN ({', '.join('?' * len(chunk))})"
                " ORDER BY reported_on, id", chunk):
            found.setdefault(r["question_id"], []).append(
                f"{r['reported_on']} ({CHANNELS.get(r['how'], r['how']).lower()}): {r['text']}")
    return {key: "\n".join(lines) for key, lines in found.items()}


def export_questions_xlsx(store: Store, user: User, path_or_none: str | Path | None, *,
                          wijk_id: str | None = None) -> bytes:
    """Every question this user may read (optionally of one wijkwerkplaats), oldest first, as
    a workbook; written to `path_or_none` when given. Never contact details."""
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    found = sorted(questions.list_questions(store, user, wijk_id=wijk_id),
                   key=lambda q: (q["asked_on"], q["id"]))
    told = _reportbacks(store, [q["id"] for q in found])
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Bewonersvragen"
    _write(sheet, EXPORT_HEADER,
           [[q["id"], q["asked_on"], q["wijkwerkplaats"], q["place"], q["text"],
             ASKER_GROUPS.get(q["asker_group"], q["asker_group"]), q["programme"],
             q["life_domain"], STATUSES.get(q["status"], q["status"]), told.get(q["id"])]
            for q in found])
    content = _xlsx_bytes(book)
    if path_or_none is not None:
        Path(path_or_none).write_bytes(content)
    return content
