"""Widgets that several pages share (not a page itself)."""

import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

from research import exports
from research.accounts import User
from research.qual import projects
from research.storage import Store
from research.survey import monitors
from research.ui import shell


def kept(kind: str, key: tuple, compute, keep: int = 32):
    """`compute()` once per session for `key`, then the kept value: every widget change
    reruns a page, and reading an uploaded file or running a model on it must not happen
    again each time. A session keeps the last `keep` values of each kind."""
    cache = st.session_state.setdefault(f"kept_{kind}", {})
    if key not in cache:
        cache[key] = compute()
        while len(cache) > keep:
            cache.pop(next(iter(cache)))
    return cache[key]


def on_phone() -> bool:
    """Whether the browser says it is a phone ("Mobi" in its user agent, as MDN advises):
    the default for layouts that read better narrow."""
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


def digest(data: bytes | str) -> str:
    """A fingerprint of a file's content (or a text), to recognise it in a later run."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def unknown_in_url(label: str) -> str:
    """The notice for a value in the address that is not one of the choices (a link to a
    deleted wave, a mistyped or tampered address); the value itself is not repeated."""
    return (f"Het adres bevat een onbekende keuze voor '{shell.plain(label)}'; je ziet nu de "
            "standaardkeuze.")


def url_choice(label: str, options: list, key: str, format_func=str, default=None,
               shared: bool = False):
    """A selectbox whose choice lives in the page URL (?key=value), so that a view can be
    shared by copying the address. The address is read once per visit of the page, on the
    first run that reaches the box (a link opened, a page entered with a query); from then
    on the box and the session own the choice and the app writes it into the address. An
    unknown value in the URL falls back to the default with a notice.

    Why once: the browser sends the address it shows with every rerun, and it may still show
    the one of before the app's last choice (streamlit#7961). Read on every run, that old
    address chose the old monitor again after "Monitor maken".

    With `shared` the choice also lives in the session (`chosen_<key>`), beside the widget:
    Streamlit's navigation gives each page its own query parameters and forgets the widgets
    of the page left behind, so the next page that asks for the same key starts from this
    choice (and writes it into its own URL) instead of from the default."""
    if not options:
        return None
    by_text = {str(o): o for o in options}
    widget_key, read_key, shared_key = f"url_{key}", f"url_{key}_visit", f"chosen_{key}"
    wanted = st.query_params.get(key)
    visit = shell.page_visit()
    fresh = wanted is not None and st.session_state.get(read_key) != visit
    st.session_state[read_key] = visit
    if fresh and wanted in by_text:
        st.session_state[widget_key] = by_text[wanted]
        if shared:
            st.session_state[shared_key] = by_text[wanted]
    else:
        if fresh:
            st.warning(unknown_in_url(label))
        if shared and st.session_state.get(shared_key) in options:
            st.session_state[widget_key] = st.session_state[shared_key]
    if st.session_state.get(widget_key) not in options:
        st.session_state[widget_key] = default if default in options else options[0]

    def remember() -> None:
        if shared:
            st.session_state[shared_key] = st.session_state[widget_key]

    value = st.selectbox(label, options, format_func=format_func, key=widget_key,
                         on_change=shell.callback(remember), placeholder="Kies een optie")
    if shared:
        st.session_state[shared_key] = value
    st.query_params[key] = str(value)
    return value


def url_tabs(labels: list[str], key: str):
    """st.tabs whose open tab lives in the page URL (?key=label); only the open tab's `.open`
    is true, so a page can run just that one. An unknown value in the URL opens the first tab
    with a notice (Streamlit drops the value from the address)."""
    wanted = st.query_params.get(key)
    if wanted is not None and wanted not in labels:
        st.warning(unknown_in_url("Tabblad"))
    return st.tabs(labels, key=key, bind="query-params")


def table_download(frame: pd.DataFrame | Callable[[], pd.DataFrame], name: str) -> None:
    """A button that downloads a table as shown as Excel, every text written as text (made when
    clicked; `frame` may be a function that makes the table then). The table toolbar's own CSV
    download is off for the whole app (client.disableDataExport in .streamlit/config.toml): it
    wrote user text such as '=HYPERLINK(...)' as a formula that spreadsheet programs run."""
    st.download_button("Tabel downloaden (Excel)",
                       lambda: exports.table_xlsx(frame() if callable(frame) else frame),
                       file_name=f"{name}.xlsx", key=f"table_xlsx_{name}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", on_click="ignore")


def choose(key: str, value) -> None:
    """Make `value` the shared choice of `key` (see `url_choice`), e.g. the wave just loaded,
    so that the next page shows it, or the box drawn later in this run. Never by putting it in
    the address and rerunning: that races the browser (streamlit#7961), which kept the old
    address and, with its next click, chose the old thing again."""
    st.session_state[f"chosen_{key}"] = value


def chosen_before(key: str) -> bool:
    """Whether a shared choice for `key` was made on another page of this session, or the
    page's address names one (a link someone shared)."""
    return f"chosen_{key}" in st.session_state or key in st.query_params


def pick_monitor(store: Store, user: User) -> int:
    """A monitor chosen by the user (in the URL, and carried to the next monitor page); ends
    the run with a notice when none is loaded yet."""
    available = monitors.list_monitors(store, user)
    if not available:
        st.info("Er is nog geen monitor geladen.")
        st.stop()
    by_id = {m["id"]: m for m in available}
    return url_choice("Monitor", list(by_id), "monitor", lambda i: by_id[i]["name"],
                      shared=True)


def pick_wave(store: Store, user: User, monitor_id: int) -> dict:
    """A wave of the monitor (in the URL, and carried to the next monitor page; the newest by
    default); ends the run when the monitor has none."""
    available = monitors.waves(store, user, monitor_id)
    if not available:
        st.info("Deze monitor heeft nog geen metingen.")
        st.stop()
    by_id = {w["id"]: w for w in available}
    chosen = url_choice("Meting", list(by_id), "meting",
                        lambda i: f"{by_id[i]['label']} (n = {by_id[i]['responses']})",
                        default=available[-1]["id"], shared=True)
    return by_id[chosen]


def pick_project(store: Store, user: User) -> int:
    """A qualitative project chosen by the user (remembered across the qual pages); ends the
    run with a notice when the user is in none."""
    mine = projects.list_projects(store, user)
    if not mine:
        st.info("Je bent nog geen lid van een project. Maak er een aan onder Projecten, of vraag "
                "de projectleider om je toe te voegen.")
        st.stop()
    by_id = {p["id"]: p for p in mine}
    if st.session_state.get("qual_project") not in by_id:
        st.session_state["qual_project"] = next(iter(by_id))
    return st.selectbox("Project", list(by_id), format_func=lambda i: by_id[i]["name"],
                        key="qual_project", placeholder="Kies een optie")


def knowledge_section(store: Store, user: User, target: str, target_id: int) -> None:
    """The knowledge a question or ontwikkelvraag links to, and a form to add a link."""
    from research.survey import monitors as monitor_module
    from research.tracker import knowledge

    st.write("**Gekoppelde kennis**")
    writer = knowledge.can_link(store, user, target, target_id)
    for link in knowledge.links(store, user, target, target_id):
        left, right = st.columns([5, 1])
        left.text(f"{knowledge.KINDS[link['kind']]}: {link['title']}"
                  + (f" — {link['detail']}" if link["detail"] else "")
                  + (f"\n{link['note']}" if link["note"] else ""))
        if link["kind"] == "url" and link["url"]:
            left.link_button("Openen", link["url"])
        if writer and right.button("Verwijderen", key=f"unlink_knowledge_{link['id']}"):
            with shell.reported():
                knowledge.remove_link(store, user, link["id"])
                st.rerun()
    if not writer:
        return
    kinds = list(knowledge.KINDS)
    kind = st.selectbox("Kennis koppelen", kinds, format_func=knowledge.KINDS.get,
                        key=f"knowledge_kind_{target}_{target_id}", placeholder="Kies een optie")
    monitor_id = None
    if kind == "indicator":
        # Outside the form: choosing a monitor must refresh its list of indicators.
        available = monitor_module.list_monitors(store, user)
        monitor_names = {m["id"]: m["name"] for m in available}
        monitor_id = st.selectbox("Monitor", list(monitor_names), format_func=monitor_names.get,
                                  key=f"knowledge_monitor_{target}_{target_id}",
                                  placeholder="Kies een optie")
    with st.form(f"knowledge_{target}_{target_id}", clear_on_submit=True):
        fields: dict = {}
        if kind == "code":
            codes = {c["id"]: f"{c['name']} ({c['project']})"
                     for c in knowledge.linkable_codes(store, user)}
            fields["code_id"] = st.selectbox("Code", list(codes), format_func=codes.get,
                                             index=None, placeholder="Alleen projecten waarvan "
                                             "je lid bent")
        elif kind == "memo":
            notes = {m["id"]: f"{m['title']} ({m['project']})"
                     for m in knowledge.linkable_memos(store, user)}
            fields["memo_id"] = st.selectbox("Memo", list(notes), format_func=notes.get,
                                             index=None, placeholder="Kies een memo")
        elif kind == "indicator":
            if monitor_id is not None:
                indicators = {v["id"]: v["label"] for v in
                              monitor_module.variables(store, user, monitor_id)}
                fields["variable_id"] = st.selectbox("Indicator", list(indicators),
                                                     format_func=indicators.get,
                                                     placeholder="Kies een optie")
                fields["area"] = st.selectbox("Gebied", monitor_module.areas(store, user,
                                                                             monitor_id),
                                              placeholder="Kies een optie")
        elif kind == "url":
            fields["url"] = st.text_input("Webadres (https://...)")
            fields["title"] = st.text_input("Titel (optioneel)")
        else:
            fields["title"] = st.text_input("Titel van het document")
            fields["url"] = st.text_input("Waar het staat (map, webadres)")
        fields["note"] = st.text_input("Toelichting")
        if st.form_submit_button("Koppelen"):
            with shell.reported():
                knowledge.add_link(store, user, target, target_id, kind, **fields)
                st.rerun()
