"""Coderen: select a passage with the mouse (or tap a sentence, or take a whole turn) and code
it."""

import streamlit as st

from research.qual import codebook, codings, documents, layout, memos, projects
from research.ui import shell, widgets
from research.ui.coding_component import coding_view

store, user = shell.guard("qual.read")
st.title("Coderen")

project_id = widgets.pick_project(store, user)
docs = documents.documents(store, user, project_id)
if not docs:
    st.info("Dit project heeft nog geen documenten. Importeer ze onder Importeren.")
    st.stop()
names = {d["id"]: d["name"] for d in docs}
top = st.columns([3, 1])
doc_id = top[0].selectbox("Document", list(names), format_func=names.get, key="qual_document",
                          placeholder="Kies een optie")
only_mine = top[1].toggle("Alleen mijn coderingen", key="qual_only_mine")
editable = projects.can_write(store, user, project_id)
SELECTION, CHOSEN = f"qual_sel_{doc_id}", f"qual_coding_{doc_id}"
ROUND = "qual_pick_round"  # a new picker after each coding, so it starts empty


@shell.fragment
def coding_panel() -> None:
    """The document and the coding actions; reruns on its own so the page stays fluid."""
    doc = documents.document(store, user, doc_id)
    text = doc["text"]
    coded = codings.codings(store, user, doc_id, only_mine=only_mine)
    selection = st.session_state.get(SELECTION)
    view, panel = st.columns([3, 1.3])
    with view:
        blocks = layout.blocks(text, documents.turns(store, user, doc_id), coded, selection)
        version = f"{doc_id}:{len(coded)}:{sum(c['id'] for c in coded)}:{selection}"
        result = coding_view(blocks, coded, version=version, editable=editable,
                             key=f"view_{doc_id}", on_change=lambda: None)
    picked = result.selection or result.turn
    if picked:
        start, end = int(picked["start"]), int(picked["end"])
        if picked.get("tap"):
            span = layout.sentence_at(documents.sentences(store, user, doc_id), start)
            start, end = span if span else (start, start)
        start, end = layout.trim(text, start, end)
        st.session_state[SELECTION] = (start, end) if end > start else None
        st.session_state.pop(CHOSEN, None)
        shell.rerun_fragment()
    if result.coding:
        st.session_state[CHOSEN] = int(result.coding["id"])
        shell.rerun_fragment()
    # The panel stays in view beside a long document (shell.CSS makes this container sticky).
    with panel, st.container(key="qual_coding_panel"):
        actions(text, coded, selection)


def apply(action, *args) -> None:
    """Run a coding action, report a refusal, and show the new state."""
    with shell.reported():
        action(*args)
        shell.rerun_fragment()


def actions(text: str, coded: list[dict], selection: tuple[int, int] | None) -> None:
    """The side panel: code the selection, or handle the coding chosen in the margin."""
    chosen = next((c for c in coded if c["id"] == st.session_state.get(CHOSEN)), None)
    if chosen is not None:
        st.subheader("Codering")
        st.text(f"{chosen['code']} · {chosen['coder'] or 'onbekend'}")
        st.text(text[chosen["start_pos"]:chosen["end_pos"]][:600])
        if editable:
            if st.button("Codering verwijderen", icon=":material/delete:"):
                apply(codings.remove_coding, store, user, chosen["id"])
            if selection and st.button("Randen naar de selectie verplaatsen"):
                apply(codings.resize_coding, store, user, chosen["id"], *selection)
            memo_form(f"coding_memo_{chosen['id']}", target="coding", target_id=chosen["id"])
        if st.button("Sluiten"):
            st.session_state.pop(CHOSEN, None)
            shell.rerun_fragment()
    elif selection:
        start, end = selection
        st.subheader("Selectie")
        st.text(text[start:end][:300] + ("…" if end - start > 300 else ""))
        if editable:
            code_choice(text, start, end)
        if st.button("Selectie opheffen"):
            st.session_state.pop(SELECTION, None)
            shell.rerun_fragment()
    else:
        st.caption("Selecteer tekst met de muis, tik op een zin, of kies 'Codeer beurt'. "
                   "Klik op een code in de kantlijn om die codering te bekijken.")
    if editable:
        undone = st.session_state.pop("qual_undone", None)
        if undone:
            st.info(f"Ongedaan gemaakt: {undone}")
        last = codings.last_action(store, user, project_id)
        if last and st.button(f"Ongedaan maken ({last})", icon=":material/undo:"):
            with shell.reported():
                st.session_state["qual_undone"] = codings.undo(store, user, project_id)
                shell.rerun_fragment()


def code_with(code_ids: list[int], start: int, end: int, new_code: str = "") -> None:
    """Code [start, end) and clear the selection; a refusal is shown in Dutch."""
    # A fresh, empty picker next time, also after a refusal (so a pick is never tried twice).
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    with shell.reported():
        codings.add_codings(store, user, doc_id, code_ids, start, end, new_code=new_code)
        st.session_state.pop(SELECTION, None)
        shell.rerun_fragment()


def code_choice(text: str, start: int, end: int) -> None:
    """Code [start, end) in one click: a recently used code, or any code from a list that
    filters as one types (Enter applies the first match); a new code, an in-vivo code or a
    memo. There is no 'select all': each click or Enter applies exactly one code."""
    all_codes = codebook.code_tree(store, user, project_id)
    shown = codebook.labels(all_codes)
    recent = [i for i in codings.recent_codes(store, user, project_id) if i in shown]
    tree = {c["id"]: "\u2003" * c["depth"] + shown[c["id"]] for c in all_codes}
    order = recent + [i for i in tree if i not in recent]
    round_ = st.session_state.get(ROUND, 0)
    picked = st.selectbox(
        "Code", order, index=None, key=f"pick_{doc_id}_{round_}",
        format_func=lambda i: shown[i] if i in recent else tree[i],
        placeholder="Typ om te zoeken; Enter codeert" if order else "Nog geen codes",
        help="Recent gebruikte codes staan bovenaan. Een klik of Enter codeert de selectie "
             "met die ene code.")
    if picked is not None:
        code_with([picked], start, end)
    if recent:
        st.caption("Recent gebruikt")
        with st.container(horizontal=True, gap="small"):
            for code_id in recent:
                if st.button(shell.plain(shown[code_id]), key=f"recent_{doc_id}_{code_id}",
                             type="tertiary", icon=":material/sell:"):
                    code_with([code_id], start, end)
    with st.form(f"code_{doc_id}", clear_on_submit=True, border=False):
        new_name = st.text_input("Of een nieuwe code")
        if st.form_submit_button("Coderen", type="primary", icon=":material/sell:"):
            code_with([], start, end, new_name)
    in_vivo = " ".join(text[start:end].split())[:80]
    if st.button(f"In-vivo code: “{shell.plain(in_vivo)}”", key=f"invivo_{doc_id}"):
        code_with([], start, end, in_vivo)
    memo_form(f"memo_{doc_id}", target="passage", target_id=doc_id, start=start, end=end)


def memo_form(key: str, **target) -> None:
    """A memo about the selected passage or the chosen coding."""
    with st.expander("Memo"):
        with st.form(key, clear_on_submit=True, border=False):
            title = st.text_input("Titel")
            body = st.text_area("Memo (markdown)")
            kind = st.selectbox("Soort", list(memos.KINDS), format_func=memos.KINDS.get,
                                index=3, placeholder="Kies een optie")
            if st.form_submit_button("Memo opslaan"):
                with shell.reported():
                    memos.add_memo(store, user, project_id, title, body, kind=kind, **target)
                    st.success("Memo opgeslagen.")


def correct_text() -> None:
    """Correct a typing error in the transcript; codings and turns move with the edit."""
    doc = documents.document(store, user, doc_id)
    with st.expander("Tekst corrigeren"):
        st.caption("Coderingen en sprekersbeurten schuiven mee met de wijziging; een codering "
                   "waarvan de hele tekst verdwijnt, vervalt.")
        with st.form(f"correct_{doc_id}", border=False):
            new_text = st.text_area("Tekst", value=doc["text"], height=300)
            if st.form_submit_button("Correctie opslaan"):
                with shell.reported():
                    result = documents.edit_text(store, user, doc_id, new_text)
                    st.session_state.pop(SELECTION, None)
                    st.success("Opgeslagen: " + shell.count(result["moved"], "codering",
                                                           "coderingen")
                               + f" verschoven, {result['removed']} vervallen.")


coding_panel()
if editable:
    correct_text()
