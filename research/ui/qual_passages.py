"""Fragmenten: every passage of a code with its context, filtered; two codes or two groups of
cases side by side (constant comparison); one click to the passage in its document."""

import streamlit as st

from research.qual import cases, codebook, codings, documents
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Fragmenten")
project_id = widgets.pick_project(store, user)
visible = codings.visible_coders(store, user, project_id)
codes = codebook.codes(store, user, project_id, coders=visible)
if not codes:
    st.info("Dit project heeft nog geen codes.")
    st.stop()
labels = {c["id"]: f"{'  ' * c['depth']}{c['name']} ({c['passages']})" for c in codes}
docs = {d["id"]: d["name"] for d in documents.documents(store, user, project_id)}
case_table = cases.values_table(store, user, project_id, "case")
attributes = cases.attributes(store, user, project_id, "case")

with st.sidebar:
    st.subheader("Filters")
    in_docs = st.multiselect("Documenten", list(docs), format_func=docs.get,
                             placeholder="Alle documenten", select_all=False)
    case_names = {row["id"]: row["name"] for row in case_table}
    in_cases = st.multiselect("Sprekers (casussen)", list(case_names),
                              format_func=case_names.get, placeholder="Alle sprekers",
                              select_all=False)
    by_attribute = None
    if attributes:
        attribute = st.selectbox("Kenmerk van de spreker", [None, *[a["name"] for a in attributes]],
                                 format_func=lambda a: "Geen filter" if a is None else a,
                                 placeholder="Kies een optie")
        if attribute:
            values = sorted({r[attribute] for r in case_table if r[attribute] is not None})
            value = st.selectbox("Waarde", values, placeholder="Kies een optie")
            by_attribute = [r["id"] for r in case_table if r[attribute] == value]
    coders = {r["id"]: codings.coder_label(r) for r in codings.coders(store, user, project_id)}
    by_coder = st.multiselect("Codeurs", list(coders), format_func=coders.get,
                              placeholder="Alle codeurs", select_all=False)
    context = st.slider("Context (tekens)", 0, 400, 120, step=20)

mode = st.radio("Vergelijken", ["een", "twee codes", "twee groepen"], horizontal=True,
                format_func={"een": "Eén code", "twee codes": "Twee codes naast elkaar",
                             "twee groepen": "Eén code in twee groepen casussen"}.get)


def group(label: str, key: str) -> list[int] | None:
    """Cases chosen by one attribute value (for comparing groups)."""
    if not attributes:
        st.caption("Geef casussen eerst kenmerken (pagina Casussen).")
        return None
    names = [a["name"] for a in attributes]
    attribute = st.selectbox(f"Kenmerk {label}", names, key=f"attr_{key}",
                             placeholder="Kies een optie")
    values = sorted({row[attribute] for row in case_table if row[attribute] is not None})
    value = st.selectbox(f"Waarde {label}", values, key=f"value_{key}",
                         placeholder="Kies een optie")
    return [row["id"] for row in case_table if row[attribute] == value]


def show(code_id: int, case_ids: list[int] | None, key: str) -> None:
    """The passages of one code as cards with context and a jump to the document."""
    chosen_cases = None
    for limit in (in_cases or None, by_attribute, case_ids):
        if limit is not None:
            chosen_cases = [c for c in limit if chosen_cases is None or c in chosen_cases]
    found = codings.passages(store, user, code_id, document_ids=in_docs or None,
                             case_ids=chosen_cases, coder_ids=by_coder or None, context=context)
    st.caption(shell.count(len(found), "fragment", "fragmenten") + " in "
               + shell.count(len({p["document_id"] for p in found}), "document", "documenten"))
    for passage in found[:300]:
        with st.container(border=True):
            st.caption(f"{shell.plain(passage['document'])} · "
                       f"{shell.plain(passage['speaker'] or 'geen spreker')} · "
                       f"{shell.plain(passage['coder'] or 'onbekende codeur')}")
            before = ("…" if passage["before"] and passage["start_pos"] > context else "") \
                + (passage["before"] or "")
            st.text(before.lstrip("\n"))
            st.markdown(f"**{shell.plain(passage['passage'])}**")
            st.text((passage["after"] or "").rstrip("\n"))
            if st.button("Naar het document", key=f"open_{key}_{passage['id']}",
                         icon=":material/open_in_new:"):
                st.session_state["qual_document"] = passage["document_id"]
                st.session_state[f"qual_sel_{passage['document_id']}"] = (
                    passage["start_pos"], passage["end_pos"])
                st.switch_page(shell.page_path("qual_code.py"))


if mode == "een":
    code_id = st.selectbox("Code", list(labels), format_func=labels.get,
                           placeholder="Kies een optie")
    show(code_id, None, "a")
elif mode == "twee codes":
    left, right = st.columns(2)
    with left:
        first = st.selectbox("Code links", list(labels), format_func=labels.get,
                             placeholder="Kies een optie")
        show(first, None, "l")
    with right:
        second = st.selectbox("Code rechts", list(labels), format_func=labels.get,
                              index=min(1, len(labels) - 1), placeholder="Kies een optie")
        show(second, None, "r")
else:
    code_id = st.selectbox("Code", list(labels), format_func=labels.get,
                           placeholder="Kies een optie")
    left, right = st.columns(2)
    with left:
        first_group = group("links", "l")
        if first_group is not None:
            show(code_id, first_group, "l")
    with right:
        second_group = group("rechts", "r")
        if second_group is not None:
            show(code_id, second_group, "r")
