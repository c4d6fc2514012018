"""Reports of a code, a category (a code with its subcodes) or the whole codebook: Word,
Excel and HTML, with PNG charts.

A report counts passages, not codings: when several coders coded the same passage (or
overlapping parts of it) with a code, that is one passage, quoted once with its coders. It
is made from the codings of all coders, of chosen coders, or of the team's settled
decisions (the consensus coder, see `intercoder.settle`).

Everything comes from the analysis data, which holds pseudonyms only: the pseudonym key lives
in its own file and no report reads it. Excel cells are written as text, so a quote starting
with '=' can never run as a formula.
"""

from __future__ import annotations

import base64
import html
import io
import re
from datetime import date

from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from research.accounts import User
from research.exports import text_cell, xml_safe
from research.qual import axial, cases, charts, codebook, codings, paradigm, projects
from research.qual.projects import ProjectError, require_read
from research.storage import Store

FORMATS = {"docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "html": "Webpagina (.html)"}


def _paths(codes: list[dict]) -> dict[int, list[str]]:
    """Code id -> its path from the top of the tree (names)."""
    by_id = {c["id"]: c for c in codes}
    paths: dict[int, list[str]] = {}
    for code in codes:
        path: list[str] = []
        current: dict | None = code
        while current is not None:
            path.insert(0, current["name"])
            current = by_id.get(current["parent_id"])
        paths[code["id"]] = path
    return paths


def _chosen_coders(store: Store, user: User, project_id: int, coder_ids: list[int] | None,
                   consensus: bool) -> tuple[list[int] | None, str]:
    """The coders whose codings the report uses (None: all this user may see) and how the
    report says so."""
    visible = codings.visible_coders(store, user, project_id)
    if consensus:
        from research.qual import intercoder
        chosen = [c for c in [intercoder.consensus_id(store)] if c is not None]
        if visible is not None:
            chosen = [c for c in chosen if c in visible]
        return chosen, "de vastgelegde besluiten van het team (consensus)"
    if coder_ids:
        chosen = [c for c in dict.fromkeys(coder_ids) if visible is None or c in visible]
        shown = {r["id"]: r["username"] for r in codings.coders(store, user, project_id)}
        names = [shown[c] for c in chosen if c in shown]
        return chosen, "de codeurs " + ", ".join(names) if names else "geen codeurs"
    return visible, "alle codeurs"


def merged_passages(found: list[dict], texts: dict[int, str]) -> list[dict]:
    """Codings of one code as passages: overlapping codings in a document (the same passage
    coded by several coders, or parts of it) are one passage, the union of their spans, with
    the coders who coded it. In document order."""
    result: list[dict] = []
    for row in found:   # `codings.passages` gives them in document order, then by start
        last = result[-1] if result else None
        if last is not None and last["document_id"] == row["document_id"] and \
                row["start_pos"] < last["end_pos"]:
            last["end_pos"] = max(last["end_pos"], row["end_pos"])
            if row["coder"] and row["coder"] not in last["coders"]:
                last["coders"].append(row["coder"])
            continue
        result.append({**row, "coders": [row["coder"]] if row["coder"] else []})
    for passage in result:
        passage["passage"] = texts[passage["document_id"]][passage["start_pos"]:
                                                           passage["end_pos"]]
        passage["coder"] = ", ".join(sorted(passage["coders"], key=str.casefold))
    return result


def report_data(store: Store, user: User, project_id: int, code_id: int | None = None, *,
                coder_ids: list[int] | None = None, consensus: bool = False) -> dict:
    """What a report shows: the chosen code with its subcodes (or every code), each with its
    texts, counts and passages (speaker and the speaker's case attributes). The codings are
    those of all coders, of `coder_ids`, or the consensus; every passage counts once."""
    require_read(store, user, project_id)
    project = projects.project(store, user, project_id)
    visible, coders_text = _chosen_coders(store, user, project_id, coder_ids, consensus)
    all_codes = codebook.codes(store, user, project_id, coders=visible)
    paths = _paths(all_codes)
    if code_id is not None:
        if code_id not in paths:
            raise ProjectError("Deze code hoort niet bij dit project.")
        chosen = [c for c in all_codes if paths[code_id] == paths[c["id"]][:len(paths[code_id])]]
    else:
        chosen = all_codes
    attributes = {row["id"]: {k: v for k, v in row.items() if k not in ("id", "name") and v}
                  for row in cases.values_table(store, user, project_id, "case")}
    items = []
    texts: dict[int, str] = {}
    for code in chosen:
        found = codings.passages(store, user, code["id"], coder_ids=visible)
        for row in found:
            if row["document_id"] not in texts:
                texts[row["document_id"]] = store.value(
                    "SELECT text FROM documents WHERE id = ?", [row["document_id"]])
        merged = merged_passages(found, texts)
        items.append({**code, "path": paths[code["id"]], "passages": len(merged),
                      "documents": len({p["document_id"] for p in merged}),
                      "cases": len({p["case_id"] for p in merged if p["case_id"]}),
                      "quotes": [{**p, "attributes": attributes.get(p["case_id"], {})}
                                 for p in merged]})
    return {"project": project, "codes": items, "scope": None if code_id is None else
            paths[code_id][-1], "model": axial.model_text(store, user, project_id,
                                                          storyline=False)
            if code_id is None else None,
            "storyline": project["storyline"].strip() if code_id is None else "",
            "made_on": date.today().isoformat(),
            "coders": coders_text}


def _speaker(quote: dict) -> str:
    attributes = "; ".join(f"{k}: {v}" for k, v in quote["attributes"].items())
    who = quote["speaker"] or "onbekende spreker"
    return f"{who}{f' ({attributes})' if attributes else ''}, {quote['document']}"


def _coded_by(quote: dict) -> str:
    """' (gecodeerd door Anne, Bart)' for a passage several coders coded, else ''."""
    return f" (gecodeerd door {quote['coder']})" if len(quote["coders"]) > 1 else ""


def _title(data: dict) -> str:
    scope = f"code {data['scope']}" if data["scope"] else "codeboek"
    return f"Rapport {scope} — {data['project']['name']}"


def _chart(data: dict) -> bytes:
    return charts.bars_png([c["name"] for c in data["codes"]],
                           [c["passages"] for c in data["codes"]], "Fragmenten per code")


# -- the storyline's markdown ------------------------------------------------------------------
# A memo's markdown (the storyline) becomes Word paragraphs and runs, and HTML elements: the
# common part of markdown a researcher writes (headings, paragraphs, bullet and numbered
# lists, quotes, bold and italic). Anything else stays as typed.

_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"
                       r"|(?<![\w*])(\*|_)(?=[^\s*_])(.+?)(?<=[^\s*_])\3(?![\w*])")
_BLOCK = re.compile(r"^(?:(?P<heading>#{1,6})\s+|(?P<bullet>[-*+])\s+|(?P<number>\d+)[.)]\s+"
                    r"|(?P<quote>>)\s?)")


def inline_runs(text: str, bold: bool = False, italic: bool = False
                ) -> list[tuple[str, bool, bool]]:
    """Markdown emphasis as (text, bold, italic) runs: '**a** *b*' -> bold 'a', italic 'b'."""
    runs: list[tuple[str, bool, bool]] = []
    position = 0
    for match in _EMPHASIS.finditer(text):
        if match.start() > position:
            runs.append((text[position:match.start()], bold, italic))
        if match.group(1):
            runs += inline_runs(match.group(2), True, italic)
        else:
            runs += inline_runs(match.group(4), bold, True)
        position = match.end()
    if position < len(text):
        runs.append((text[position:], bold, italic))
    return runs


def markdown_blocks(text: str) -> list[dict]:
    """Markdown as blocks: {kind: paragraph|heading|bullet|number|quote, level, runs}.
    Lines of one paragraph (or list item) are joined with a space, as markdown shows them."""
    blocks: list[dict] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped:
            blocks.append({"kind": "break"})
            continue
        match = _BLOCK.match(stripped)
        kind = next((k for k, v in match.groupdict().items() if v), None) if match else None
        body = stripped[match.end():] if match and kind else stripped
        level = len(match.group("heading")) if match and kind == "heading" else 0
        previous = blocks[-1] if blocks else None
        if kind is None and previous and previous["kind"] in ("paragraph", "bullet", "number",
                                                              "quote"):
            previous["text"] += " " + body  # a continued line
            continue
        if kind == "quote" and previous and previous["kind"] == "quote":
            previous["text"] += " " + body
            continue
        blocks.append({"kind": kind or "paragraph", "text": body, "level": level})
    return [{**b, "runs": inline_runs(b["text"])} for b in blocks if b["kind"] != "break"]


_WORD_STYLES = {"bullet": "List Bullet", "number": "List Number", "quote": "Quote"}


def _docx_markdown(document, text: str, top: int) -> None:
    """Markdown written into a Word document; its headings start at level `top`."""
    for block in markdown_blocks(text):
        if block["kind"] == "heading":
            paragraph = document.add_heading(level=min(top + block["level"] - 1, 9))
        else:
            paragraph = document.add_paragraph(style=_WORD_STYLES.get(block["kind"]))
        for words, bold, italic in block["runs"]:
            run = paragraph.add_run(words)
            run.bold = bold or None
            run.italic = italic or None


def _html_markdown(text: str, top: int) -> str:
    """Markdown as escaped HTML (lists grouped in <ul>/<ol>)."""
    parts, open_list = [], None
    for block in markdown_blocks(text):
        inner = "".join((("<b>" if bold else "") + ("<i>" if italic else "") + html.escape(words)
                         + ("</i>" if italic else "") + ("</b>" if bold else ""))
                        for words, bold, italic in block["runs"])
        wanted = {"bullet": "ul", "number": "ol"}.get(block["kind"])
        if open_list and open_list != wanted:
            parts.append(f"</{open_list}>")
            open_list = None
        if wanted and not open_list:
            parts.append(f"<{wanted}>")
            open_list = wanted
        if wanted:
            parts.append(f"<li>{inner}</li>")
        elif block["kind"] == "heading":
            level = min(top + block["level"] - 1, 6)
            parts.append(f"<h{level}>{inner}</h{level}>")
        elif block["kind"] == "quote":
            parts.append(f"<blockquote>{inner}</blockquote>")
        else:
            parts.append(f"<p>{inner}</p>")
    if open_list:
        parts.append(f"</{open_list}>")
    return "".join(parts)


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _facts(code: dict) -> str:
    """'1 fragment in 1 document, 2 casussen'."""
    return (f"{_count(code['passages'], 'fragment', 'fragmenten')} in "
            f"{_count(code['documents'], 'document', 'documenten')}, "
            f"{_count(code['cases'], 'casus', 'casussen')}")


def to_docx(data: dict) -> bytes:
    """The report as a Word document."""
    data = xml_safe(data)
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(_title(data), level=0)
    document.add_paragraph(f"Gemaakt op {data['made_on']}, uit de coderingen van "
                           f"{data['coders']}; een fragment dat meer codeurs codeerden, telt "
                           "één keer. Sprekers staan onder hun pseudoniem; de sleutel zit niet "
                           "in dit rapport.")
    if data["project"]["description"]:
        document.add_paragraph(data["project"]["description"])
    if data["codes"]:
        document.add_picture(io.BytesIO(_chart(data)), width=Pt(420))
    roles = paradigm.roles()
    for code in data["codes"]:
        document.add_heading(" › ".join(code["path"]), level=min(1 + code["depth"], 4))
        facts = [_facts(code), f"fase: {paradigm.STAGES[code['stage']].lower()}"]
        if code["paradigm_role"] in roles:
            facts.append(f"rol: {roles[code['paradigm_role']].lower()}")
        document.add_paragraph("; ".join(facts) + ".")
        for label, field in (("Definitie", "description"), ("Wanneer wel", "inclusion"),
                             ("Wanneer niet", "exclusion"), ("Voorbeeld", "example")):
            if code[field]:
                paragraph = document.add_paragraph()
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(code[field])
        for quote in code["quotes"]:
            paragraph = document.add_paragraph(style="Intense Quote")
            paragraph.add_run(quote["passage"])
            document.add_paragraph(f"— {_speaker(quote)}{_coded_by(quote)}")
    if data["model"]:
        document.add_heading("Model", level=1)
        if data.get("storyline"):
            document.add_heading("Verhaallijn", level=2)
            _docx_markdown(document, data["storyline"], top=3)
        for line in data["model"].splitlines():
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_xlsx(data: dict, store: Store, user: User) -> bytes:
    """Coded passages (the code's path in columns), a case x code 0/1 matrix, the codes."""
    data = xml_safe(data)
    book = Workbook()
    passages = book.active
    assert isinstance(passages, Worksheet)  # a new workbook has one sheet
    passages.title = "Fragmenten"
    depth = max((len(c["path"]) for c in data["codes"]), default=1)
    header = ["Document", "Spreker", *[f"Niveau {i + 1}" for i in range(depth)], "Code",
              "Fragment", "Begin", "Eind", "Codeur"]
    for column, title in enumerate(header, 1):
        text_cell(passages, 1, column, title)
        passages.cell(row=1, column=column).font = Font(bold=True)
    row = 2
    for code in data["codes"]:
        for quote in code["quotes"]:
            values = [quote["document"], quote["speaker"] or "",
                      *code["path"], *[""] * (depth - len(code["path"])), code["name"],
                      quote["passage"], quote["start_pos"], quote["end_pos"], quote["coder"] or ""]
            for column, value in enumerate(values, 1):
                text_cell(passages, row, column, value)
            row += 1
    matrix = book.create_sheet("Casus x code")
    case_rows = cases.cases(store, user, data["project"]["id"])
    text_cell(matrix, 1, 1, "Casus")
    for column, code in enumerate(data["codes"], 2):
        text_cell(matrix, 1, column, code["name"])
    for r, case in enumerate(case_rows, 2):
        text_cell(matrix, r, 1, case["name"])
        for column, code in enumerate(data["codes"], 2):
            matrix.cell(row=r, column=column,
                        value=int(any(q["case_id"] == case["id"] for q in code["quotes"])))
    overview = book.create_sheet("Codes")
    for column, title in enumerate(["Pad", "Code", "Fragmenten", "Documenten", "Casussen",
                                    "Definitie"], 1):
        text_cell(overview, 1, column, title)
    for r, code in enumerate(data["codes"], 2):
        for column, value in enumerate([" › ".join(code["path"]), code["name"],
                                        code["passages"], code["documents"], code["cases"],
                                        code["description"]], 1):
            text_cell(overview, r, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_html(data: dict) -> str:
    """A self-contained HTML page (every text escaped, the chart inline)."""
    data = xml_safe(data)
    e = html.escape
    parts = [f"<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
             f"<title>{e(_title(data))}</title><style>body{{font-family:sans-serif;"
             "max-width:60rem;margin:2rem auto;line-height:1.5}blockquote{border-left:4px "
             "solid #2d9cdb;margin:0.5rem 0;padding:0.2rem 1rem;background:#f5f9fc}"
             ".bron{color:#555;font-size:0.9rem}</style></head><body>",
             f"<h1>{e(_title(data))}</h1>",
             f"<p>Gemaakt op {e(data['made_on'])}, uit de coderingen van {e(data['coders'])}; "
             "een fragment dat meer codeurs codeerden, telt één keer. Sprekers staan onder "
             "hun pseudoniem.</p>"]
    if data["codes"]:
        chart = base64.b64encode(_chart(data)).decode("ascii")
        parts.append(f"<img alt='Fragmenten per code' src='data:image/png;base64,{chart}' "
                     "style='max-width:100%'>")
    for code in data["codes"]:
        level = min(2 + code["depth"], 5)
        parts.append(f"<h{level}>{e(' › '.join(code['path']))}</h{level}>")
        parts.append(f"<p>{_facts(code)}.</p>")
        if code["description"]:
            parts.append(f"<p><b>Definitie:</b> {e(code['description'])}</p>")
        for quote in code["quotes"]:
            parts.append(f"<blockquote>{e(quote['passage'])}<div class='bron'>— "
                         f"{e(_speaker(quote) + _coded_by(quote))}</div></blockquote>")
    if data["model"]:
        parts.append("<h2>Model</h2>")
        if data.get("storyline"):
            parts.append("<h3>Verhaallijn</h3>" + _html_markdown(data["storyline"], top=4))
        parts.append(f"<pre>{e(data['model'])}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render(store: Store, user: User, project_id: int, fmt: str,
           code_id: int | None = None, *, coder_ids: list[int] | None = None,
           consensus: bool = False) -> bytes:
    """The report in the chosen format, as bytes ready to download or write."""
    if fmt not in FORMATS:
        raise ProjectError(f"Onbekend formaat '{fmt}'; kies docx, xlsx of html.")
    data = report_data(store, user, project_id, code_id, coder_ids=coder_ids,
                       consensus=consensus)
    if fmt == "docx":
        return to_docx(data)
    if fmt == "xlsx":
        return to_xlsx(data, store, user)
    return to_html(data).encode("utf-8")
