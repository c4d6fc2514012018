"""An online questionnaire on the public door: its pages as plain HTML forms, the answers a
form sends read back and checked, and the routing that decides what is asked.

A questionnaire is the list the app made of the monitor's questionnaire file
(`research.survey.invitations.questions_from_entries`), one dict per question:

    name, type (enkelvoudig, meervoudig, likert, rapportcijfer, getal, open), text,
    options [[code, label], ...]   choices, 'weet niet' among them (enkelvoudig, likert)
    items [[name, label], ...]     the boxes of a multiple-response question (1 = chosen)
    missing [[code, label], ...]   'weet niet' and the like beside a number or a mark
    condition                      a `conditions` text, or None: always asked
    page                           the page (section) it is on, from 0

Answers are a dict of variable name -> number (a code) or text (open questions); a question
not asked has no answer. Every text on a page is escaped; no script is needed or allowed.
"""

from __future__ import annotations

from html import escape

from research.public import conditions

MAX_TEXT = 5000


def pages(questionnaire: list[dict]) -> list[list[dict]]:
    """The questions per page, pages in order."""
    count = max((q["page"] for q in questionnaire), default=-1) + 1
    return [[q for q in questionnaire if q["page"] == n] for n in range(count)]


def asked(question: dict, answers: dict) -> bool:
    """Whether the question is asked, given the answers so far."""
    return conditions.asked(question.get("condition"), answers)


def routed(questionnaire: list[dict], answers: dict) -> dict:
    """The answers without those of questions that are not asked (in questionnaire order, so
    a question skipped also skips what depends on it)."""
    kept: dict = {}
    for question in questionnaire:
        if asked(question, kept):
            kept.update({n: answers[n] for n in names(question) if n in answers})
    return kept


def shown_pages(questionnaire: list[dict], answers: dict) -> list[int]:
    """The pages with at least one question asked."""
    return [n for n, questions in enumerate(pages(questionnaire))
            if any(asked(q, answers) for q in questions)]


def names(question: dict) -> list[str]:
    """The variables a question's answer fills."""
    if question["type"] == "meervoudig":
        return [name for name, _ in question["items"]]
    return [question["name"]]


def _number(text: str) -> float | None:
    """A number as typed: '12', '7,5', '1.234' is 1.234 (no thousands separators asked for)."""
    text = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e15 else None


def _code(text: str, allowed: list) -> float | None:
    """A chosen code if it is one of the allowed ones."""
    value = _number(text)
    return value if value is not None and value in {float(c) for c, _ in allowed} else None


def read_page(questions: list[dict], form: dict[str, list[str]], answers: dict
              ) -> tuple[dict, dict[str, str]]:
    """The answers of one page's questions as sent (asked given `answers` and this page),
    and per question name a Dutch error; nothing else of `form` is read."""
    found: dict = {}
    errors: dict[str, str] = {}
    for question in questions:
        name, kind = question["name"], question["type"]
        first = (form.get(name) or [""])[0]
        if kind == "meervoudig":
            chosen = set(form.get(name) or [])
            found.update({item: float(item in chosen) for item, _ in question["items"]})
        elif kind == "open":
            text = first.replace("\r\n", "\n").replace("\x00", "").strip()
            if len(text) > MAX_TEXT:
                errors[name] = f"Een antwoord is hoogstens {MAX_TEXT} tekens."
            elif text:
                found[name] = text
        elif kind in ("enkelvoudig", "likert", "rapportcijfer"):
            if first:
                value = _code(first, question["options"])
                if value is None:
                    errors[name] = "Kies een van de antwoorden."
                else:
                    found[name] = value
        else:  # getal, beside an optional 'weet niet'
            missing = (form.get(f"{name}__anders") or [""])[0]
            value = _number(first) if first.strip() else None
            if first.strip() and value is None:
                errors[name] = "Vul een getal in, bijvoorbeeld 12 of 7,5."
                found[name] = first   # shown again as typed
            elif value is not None and missing:
                errors[name] = "Vul een getal in of kies een ander antwoord, niet allebei."
            elif value is not None:
                found[name] = value
            elif missing:
                code = _code(missing, question.get("missing") or [])
                if code is None:
                    errors[name] = "Kies een van de antwoorden."
                else:
                    found[name] = code
    return found, errors


def _error(name: str, errors: dict) -> tuple[str, str]:
    """(attributes for the input, the message paragraph) of a question with an error."""
    if name not in errors:
        return "", ""
    return (f' aria-invalid="true" aria-describedby="fout-{escape(name)}"',
            f'<p class="fout" id="fout-{escape(name)}">{escape(errors[name])}</p>')


def _choices(question: dict, options: list, value, errors: dict, kind: str = "radio") -> str:
    """A fieldset of radio buttons or check boxes with its legend."""
    name = question["name"]
    attributes, message = _error(name, errors)
    boxes = []
    for n, (code, label) in enumerate(options):
        checked = (code in value) if isinstance(value, set) else value == code
        boxes.append(
            f'<label class="keuze" for="{escape(name)}-{n}"><input type="{kind}" '
            f'id="{escape(name)}-{n}" name="{escape(name)}" value="{escape(str(code))}"'
            f'{" checked" if checked else ""}{attributes}> {escape(str(label))}</label>')
    layout = " cijfers" if question["type"] == "rapportcijfer" else ""
    return (f'<fieldset class="vraag{layout}"><legend>{escape(question["text"])}</legend>'
            f"{message}{''.join(boxes)}</fieldset>")


def _shown(value) -> str:
    """A stored number as the respondent typed it: 12, 7,5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",")


def question_html(question: dict, answers: dict, errors: dict, sent: dict | None = None) -> str:
    """One question as form fields, filled with `sent` (a refused form) or the answers."""
    name, kind = question["name"], question["type"]
    values = sent if sent is not None else answers
    if kind == "meervoudig":
        chosen = {item for item, _ in question["items"] if values.get(item) == 1}
        return _choices(question, question["items"], chosen, errors, "checkbox")
    if kind in ("enkelvoudig", "likert", "rapportcijfer"):
        value = values.get(name)
        return _choices(question, question["options"],
                        None if value is None else float(value), errors)
    attributes, message = _error(name, errors)
    label = f'<label class="vraagtekst" for="{escape(name)}">{escape(question["text"])}</label>'
    if kind == "open":
        text = values.get(name) or ""
        return (f'<div class="vraag">{label}{message}<textarea id="{escape(name)}" '
                f'name="{escape(name)}" rows="5" maxlength="{MAX_TEXT}"{attributes}>'
                f"{escape(str(text))}</textarea></div>")
    value = values.get(name)
    missing = {float(c) for c, _ in question.get("missing") or []}
    number = "" if value is None or value in missing else _shown(value)
    others = "".join(
        f'<label class="keuze" for="{escape(name)}-anders-{n}"><input type="checkbox" '
        f'id="{escape(name)}-anders-{n}" name="{escape(name)}__anders" '
        f'value="{escape(str(code))}"{" checked" if value == code else ""}> '
        f"{escape(str(text))}</label>"
        for n, (code, text) in enumerate(question.get("missing") or []))
    return (f'<div class="vraag">{label}{message}<input type="text" inputmode="decimal" '
            f'id="{escape(name)}" name="{escape(name)}" value="{escape(number)}" '
            f'autocomplete="off"{attributes}>{others}</div>')


def page_html(questions: list[dict], answers: dict, errors: dict,
              sent: dict | None = None) -> str:
    """The questions of a page that are asked (given the answers), as form fields."""
    return "".join(question_html(q, answers, errors, sent) for q in questions
                   if asked(q, answers))
