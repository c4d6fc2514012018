"""Memo's: every memo of a project in one list, filtered; read, write, change and delete."""

import streamlit as st

from research.qual import cases, codebook, documents, memos, projects
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Memo's")
project_id = widgets.pick_project(store, user)
editable = projects.can_write(store, user, project_id)

columns = st.columns(3)
kind = columns[0].selectbox("Soort", [None, *memos.KINDS], format_func=lambda k: (
    "Alle soorten" if k is None else memos.KINDS[k]), placeholder="Kies een optie")
target = columns[1].selectbox("Over", [None, *memos.TARGETS], format_func=lambda k: (
    "Alles" if k is None else memos.TARGETS[k]), placeholder="Kies een optie")
text = columns[2].text_input("Zoek in titel en tekst")
found = memos.memos(store, user, project_id, kind=kind, target=target, text=text)
st.caption(shell.count(len(found), "memo", "memo's"))

for memo in found:
    with st.expander(f"{shell.plain(memo['title'])} · {memos.KINDS[memo['kind']]} · "
                     f"{memos.TARGETS[memo['target_kind']]}: {shell.plain(memo['about'] or '')}"):
        st.caption(f"{shell.plain(memo['author'] or 'onbekend')}, "
                   f"{shell.local_time(memo['created_at'])}"
                   + (f" · gewijzigd door {shell.plain(memo['editor'] or 'onbekend')}, "
                      f"{shell.local_time(memo['updated_at'])}"
                      if memo["updated_at"] != memo["created_at"] else ""))
        # Markdown as written, without images, links or addresses (shell.formatted).
        st.markdown(shell.formatted(memo["body"]) if memo["body"] else "*(leeg)*")
        if editable:
            with st.form(f"memo_{memo['id']}"):
                title = st.text_input("Titel", value=memo["title"])
                body = st.text_area("Tekst (markdown)", value=memo["body"], height=160)
                new_kind = st.selectbox("Soort", list(memos.KINDS), format_func=memos.KINDS.get,
                                        index=list(memos.KINDS).index(memo["kind"]),
                                        placeholder="Kies een optie")
                if st.form_submit_button("Opslaan"):
                    with shell.reported():
                        memos.update_memo(store, user, memo["id"], title=title, body=body,
                                          kind=new_kind)
                        st.rerun()
            if st.button("Verwijderen", key=f"delete_memo_{memo['id']}",
                         icon=":material/delete:"):
                with shell.reported():
                    memos.delete_memo(store, user, memo["id"])
                    st.rerun()

if editable:
    st.subheader("Nieuw memo")
    about = st.selectbox("Over", ["project", "document", "case", "code"],
                         format_func=memos.TARGETS.get, key="new_memo_target",
                         placeholder="Kies een optie")
    options = {
        "project": {},
        "document": {d["id"]: d["name"] for d in documents.documents(store, user, project_id)},
        "case": {c["id"]: c["name"] for c in cases.cases(store, user, project_id)},
        "code": {c["id"]: c["name"] for c in codebook.code_tree(store, user, project_id)},
    }[about]
    with st.form("new_memo", clear_on_submit=True):
        target_id = st.selectbox(memos.TARGETS[about], list(options), format_func=options.get,
                                 placeholder="Kies een optie") \
            if options else None
        title = st.text_input("Titel")
        body = st.text_area("Tekst (markdown)", height=160)
        new_kind = st.selectbox("Soort", list(memos.KINDS), format_func=memos.KINDS.get,
                                placeholder="Kies een optie")
        if st.form_submit_button("Memo opslaan", type="primary"):
            with shell.reported():
                memos.add_memo(store, user, project_id, title, body, kind=new_kind,
                               target=about, target_id=target_id)
                st.rerun()
