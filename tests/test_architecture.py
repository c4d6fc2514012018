"""Architecture rules, checked on the source with `ast` (not grep):

- only research/ui/ imports streamlit;
- pages draw no plotly figures themselves (the domain's figure builders escape user text);
- no SQL in research/ui/ (pages call domain functions);
- streamlit_app.py only routes;
- every page file is in shell.PAGES and starts with shell.guard(...);
- pages use fragments only through shell.fragment, and widget callbacks that may write only
  through shell.callback (both check the session first: they run without the page's guard);
- the requirements files pin every package with ==;
- every download button leaves the page alone when clicked (on_click="ignore").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from research.ui import shell

ROOT = Path(__file__).resolve().parent.parent
RESEARCH = ROOT / "research"
UI = RESEARCH / "ui"
NON_PAGES = {"shell.py", "widgets.py", "coding_component.py", "app.py", "gateway.py",
             "page_runs.py", "__init__.py"}


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module named by an import anywhere in the tree (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def imports_streamlit(tree: ast.AST) -> bool:
    return any(m == "streamlit" or m.startswith("streamlit.") for m in imported_modules(tree))


def is_docstring(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def dotted(node: ast.AST) -> str:
    """'a.b.c' for a Name/Attribute chain, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def ui_files() -> list[Path]:
    return sorted(UI.glob("*.py"))


def page_files() -> list[Path]:
    return [p for p in ui_files() if p.name not in NON_PAGES]


# -- (a) streamlit only in research/ui --------------------------------------------------------

def non_ui_modules() -> list[Path]:
    return sorted(p for p in RESEARCH.rglob("*.py") if UI not in p.parents)


def test_the_checker_sees_streamlit_imports():
    assert imports_streamlit(ast.parse("import streamlit as st"))
    assert imports_streamlit(ast.parse("from streamlit.testing.v1 import AppTest"))
    assert imports_streamlit(ast.parse("def f():\n    import streamlit.components.v1\n"))
    assert not imports_streamlit(ast.parse("import streamlit_extras_not_it"))
    assert imports_streamlit(parse(UI / "shell.py"))


@pytest.mark.parametrize("path", non_ui_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_ui_imports_streamlit(path):
    assert not imports_streamlit(parse(path)), f"{path.relative_to(ROOT)} imports streamlit"


def test_there_are_non_ui_modules_to_check():
    names = {p.relative_to(RESEARCH).as_posix() for p in non_ui_modules()}
    assert {"accounts.py", "storage.py", "tracker/questions.py", "qual/projects.py"} <= names


@pytest.mark.parametrize("path", sorted(UI.glob("*.py")), ids=lambda p: p.name)
def test_pages_build_no_plotly_figures(path):
    """Plotly draws HTML in its texts: figures are built in the domain modules, which pass user
    text through research.plotly_text.escape; a page only hands a figure to st.plotly_chart."""
    assert not any(m == "plotly" or m.startswith("plotly.")
                   for m in imported_modules(parse(path))), f"{path.name} imports plotly"

# -- (b) no SQL in research/ui ----------------------------------------------------------------

SQL = re.compile(
    r"\bSELECT\b[\s\S]*?\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\b\s+\S+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+TABLE\b",
    re.IGNORECASE)
DB_CALLS = {"execute", "executemany", "executescript", "query"}


def string_constants(tree: ast.AST) -> list[str]:
    """Every string literal, including the literal parts of f-strings."""
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def db_calls(tree: ast.AST) -> list[str]:
    return [node.func.attr for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in DB_CALLS]


def test_the_sql_checker_finds_sql():
    tree = ast.parse('db.execute("x")\nstore.rows(f"select id from t where x = {y}")\n'
                     'q = "insert into t values (1)"\nu = "UPDATE users SET a = 1"\n'
                     'd = "delete from t"\nc = "create table t (a)"\nr = store.db.query("q")\n')
    assert db_calls(tree) == ["execute", "query"]
    assert len([s for s in string_constants(tree) if SQL.search(s)]) == 5
    assert not SQL.search("Selecteer een project uit de lijst")
    assert not SQL.search("Wijzigingen opslaan")


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.name)
def test_no_sql_in_the_ui(path):
    tree = parse(path)
    assert db_calls(tree) == [], f"{path.name} calls the database directly"
    sql = [s for s in string_constants(tree) if SQL.search(s)]
    assert sql == [], f"{path.name} contains SQL: {sql}"


# -- (c) streamlit_app.py only routes ---------------------------------------------------------

def test_router_only_routes():
    tree = parse(ROOT / "streamlit_app.py")
    body = tree.body
    assert len(body) <= 10, f"{len(body)} top-level statements"
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                     ast.Lambda, ast.For, ast.AsyncFor, ast.While, ast.With,
                                     ast.Try, ast.If)), ast.dump(node)[:80]
    allowed_imports = {"streamlit", "research.ui", "research.ui.shell"}
    calls = []
    for index, node in enumerate(body):
        if is_docstring(node) and index == 0:
            continue
        if isinstance(node, ast.Import):
            assert {a.name for a in node.names} <= allowed_imports
            continue
        if isinstance(node, ast.ImportFrom):
            assert node.module in allowed_imports
            continue
        if isinstance(node, ast.Assign):
            assert all(isinstance(t, ast.Name) for t in node.targets)
            value = node.value
        elif isinstance(node, ast.Expr):
            value = node.value
        else:
            raise AssertionError(f"unexpected statement: {ast.dump(node)[:80]}")
        assert isinstance(value, ast.Call), ast.dump(value)[:80]
        # A chain like st.navigation(...).run(): check every call in it.
        for call in (n for n in ast.walk(value) if isinstance(n, ast.Call)):
            name = dotted(call.func)
            if not name and isinstance(call.func, ast.Attribute):
                name = "<result>." + call.func.attr
            calls.append(name)
    for name in calls:
        # `page` is what st.navigation returned: the router runs it.
        assert (name in {"st.set_page_config", "st.navigation", "<result>.run", "page.run"}
                or name.startswith("shell.")), f"streamlit_app.py calls {name}"
    assert "st.set_page_config" in calls
    assert "st.navigation" in calls
    assert "shell.login_gate" in calls


# -- (d) every page is listed and guarded first -----------------------------------------------

def test_every_page_file_is_listed_and_every_listed_page_exists():
    on_disk = {p.name for p in page_files()}
    listed = [spec.file for spec in shell.PAGES]
    assert len(listed) == len(set(listed)), "a page is listed twice"
    assert on_disk == set(listed)
    assert len({spec.title for spec in shell.PAGES}) == len(shell.PAGES)


def first_statement_after_preamble(tree: ast.Module) -> ast.stmt:
    for index, node in enumerate(tree.body):
        if index == 0 and is_docstring(node):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        return node
    raise AssertionError("the page has no statements")


def guard_permission(node: ast.stmt) -> ast.expr:
    """The argument of `... = shell.guard(<permission>)`, or a failed assertion."""
    assert isinstance(node, (ast.Assign, ast.Expr)), ast.dump(node)[:80]
    call = node.value
    assert isinstance(call, ast.Call) and dotted(call.func) == "shell.guard", \
        f"first statement is not shell.guard(...): {ast.unparse(node)}"
    assert len(call.args) == 1 and not call.keywords
    return call.args[0]


@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.name)
def test_page_calls_guard_first(path):
    tree = parse(path)
    permission = guard_permission(first_statement_after_preamble(tree))
    [spec] = [s for s in shell.PAGES if s.file == path.name]
    # The guard checks the same permission as the menu entry.
    assert isinstance(permission, ast.Constant)
    assert permission.value == spec.permission, (
        f"{path.name} guards {permission.value!r} but PAGES says {spec.permission!r}")
    # And the page guards once, not again later with another permission.
    assert sum(1 for n in ast.walk(tree) if isinstance(n, ast.Call)
               and dotted(n.func) == "shell.guard") == 1


def direct_fragments(tree: ast.AST) -> list[str]:
    """Uses of st.fragment / st.dialog (as a decorator or a call): code that reruns on its
    own, past the page's guard."""
    return [dotted(node) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and dotted(node) in {"st.fragment", "st.dialog"}]


def test_the_fragment_checker_finds_fragments():
    tree = ast.parse("@st.fragment\ndef a(): pass\n@st.fragment(run_every=5)\ndef b(): pass\n"
                     "c = st.dialog('x')(f)\n@shell.fragment\ndef d(): pass\n")
    assert direct_fragments(tree) == ["st.fragment", "st.fragment", "st.dialog"]


@pytest.mark.parametrize("path", page_files() + [UI / "widgets.py"], ids=lambda p: p.name)
def test_pages_use_only_the_checked_fragment(path):
    # shell.fragment checks the session at the start of every fragment rerun; a bare
    # st.fragment would save with the user of the page's last full run.
    assert direct_fragments(parse(path)) == [], f"{path.name}: use @shell.fragment"


CALLBACK_KEYWORDS = {"on_click", "on_change", "on_submit", "on_selection_change"}


def unchecked_callbacks(tree: ast.AST) -> list[str]:
    """Widget callbacks that could write without the session check: callbacks run before the
    page's guard. Allowed: shell.callback(f), "ignore"/"rerun", st.login, and a lambda that
    does not touch the database (`store`)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg not in CALLBACK_KEYWORDS or isinstance(value, ast.Constant):
                continue
            if isinstance(value, ast.Call) and dotted(value.func) == "shell.callback":
                continue
            if dotted(value) == "st.login":
                continue
            if isinstance(value, ast.Lambda) and not any(
                    isinstance(n, ast.Name) and n.id == "store" for n in ast.walk(value)):
                continue
            found.append(ast.unparse(value))
    return found


def test_the_callback_checker_finds_unchecked_callbacks():
    tree = ast.parse("st.button('a', on_click=save)\nst.button('b', on_click=shell.callback(save))"
                     "\nst.pills('c', on_change=lambda: st.session_state.pop('x'))\n"
                     "st.button('d', on_click=lambda: codings.undo(store, user, 1))\n"
                     "st.download_button('e', b'', on_click='ignore')\n")
    assert unchecked_callbacks(tree) == ["save", "lambda: codings.undo(store, user, 1)"]


@pytest.mark.parametrize("path", page_files() + [UI / "widgets.py"], ids=lambda p: p.name)
def test_page_callbacks_check_the_session(path):
    assert unchecked_callbacks(parse(path)) == [], f"{path.name}: wrap in shell.callback"


# -- (e) pinned requirements ------------------------------------------------------------------

PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$")


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt",
                                  "requirements.lock", "requirements-dev.lock"])
def test_requirements_are_pinned(name):
    lines = [line.split("#", 1)[0].strip()
             for line in (ROOT / name).read_text(encoding="utf-8").splitlines()]
    # The dev list includes the runtime list, which is checked on its own.
    packages = [line for line in lines if line and line != "-r requirements.txt"]
    assert packages, f"{name} lists no packages"
    unpinned = [line for line in packages if not PIN.match(line)]
    assert unpinned == [], f"{name} has lines not pinned with ==: {unpinned}"


def test_runtime_requirements_list_the_core_packages():
    required = {line.split("==")[0].lower()
                for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.lstrip().startswith("#")}
    assert {"streamlit", "pandas", "plotly", "sqlite-utils", "argon2-cffi"} <= required


# -- (f) download buttons do not rerun the page -----------------------------------------------

def download_buttons(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "download_button"]


def test_the_download_checker_finds_buttons():
    tree = ast.parse('st.download_button("a", b"x")\ncolumns[0].download_button("b", f)\n')
    assert len(download_buttons(tree)) == 2


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.name)
def test_download_buttons_ignore_the_click(path):
    """A click on a download button reruns the page by default, and a rerun replaces the file
    of every download button: a second click during it found no file (MediaFileStorageError
    in the log, nothing downloaded). So a click must not rerun (on_click="ignore"), or run a
    callback of its own (the back-up, which forgets its file once downloaded)."""
    for call in download_buttons(parse(path)):
        on_click = next((k.value for k in call.keywords if k.arg == "on_click"), None)
        assert on_click is not None, f"{path.name}:{call.lineno} has no on_click"
        assert not isinstance(on_click, ast.Constant) or on_click.value == "ignore", \
            f"{path.name}:{call.lineno} reruns the page on a click"


# -- Dutch widget text (issue 17, item 8) ------------------------------------------------------

def widget_calls(tree: ast.AST, names: set[str]) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in names]


def test_the_widget_checker_finds_calls():
    tree = ast.parse('st.selectbox("a", x)\ncolumns[0].multiselect("b", y, placeholder="c")\n'
                     'st.sidebar.date_input("d")\n')
    assert [c.func.attr for c in widget_calls(tree, {"selectbox", "multiselect"})] == [
        "selectbox", "multiselect"]
    assert len(widget_calls(tree, {"date_input"})) == 1


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.name)
def test_choices_have_a_dutch_placeholder(path):
    """Without a placeholder Streamlit writes 'Choose an option', 'Choose options' or 'No
    options to select' (also when a list is empty): every selectbox and multiselect names
    its own, in Dutch."""
    for call in widget_calls(parse(path), {"selectbox", "multiselect"}):
        placeholder = next((k.value for k in call.keywords if k.arg == "placeholder"), None)
        assert placeholder is not None, f"{path.name}:{call.lineno} has no placeholder"
        if isinstance(placeholder, ast.Constant):
            assert not re.search(r"\b(Choose|Select|option)\b", placeholder.value), \
                f"{path.name}:{call.lineno}: {placeholder.value!r}"


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.name)
def test_dates_are_entered_as_dd_mm_yyyy(path):
    for call in widget_calls(parse(path), {"date_input"}):
        chosen = next((k.value for k in call.keywords if k.arg == "format"), None)
        assert isinstance(chosen, ast.Constant) and chosen.value == "DD-MM-YYYY", \
            f"{path.name}:{call.lineno} has no format='DD-MM-YYYY'"


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.name)
def test_tables_show_no_none(path):
    """A table draws a missing value as 'None' unless told otherwise: every dataframe shows
    '—' and every editor an empty cell."""
    for call in widget_calls(parse(path), {"dataframe", "data_editor"}):
        placeholder = next((k.value for k in call.keywords if k.arg == "placeholder"), None)
        wanted = "—" if call.func.attr == "dataframe" else ""
        assert isinstance(placeholder, ast.Constant) and placeholder.value == wanted, \
            f"{path.name}:{call.lineno} has no placeholder={wanted!r}"


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.name)
def test_no_multiselect_offers_select_all(path):
    """Streamlit puts an English 'Select all' first in a multiselect's list; one slip there
    chose every option (every code for a passage). Each multiselect turns it off."""
    for call in widget_calls(parse(path), {"multiselect"}):
        chosen = next((k.value for k in call.keywords if k.arg == "select_all"), None)
        assert isinstance(chosen, ast.Constant) and chosen.value is False, \
            f"{path.name}:{call.lineno} offers 'Select all'"


# -- no private names across modules --------------------------------------------------------------

def private_uses(tree: ast.AST) -> list[str]:
    """`module._name` and `from research... import _name` of research modules: what one
    module uses of another's privates."""
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("research"):
            modules.update(alias.asname or alias.name for alias in node.names)
            found += [f"{node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
        elif isinstance(node, ast.Import):
            modules.update(alias.asname or alias.name.split(".")[0] for alias in node.names
                           if alias.name.startswith("research"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__") and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_the_checker_sees_private_uses():
    assert private_uses(ast.parse("from research.survey import readers\nreaders._input(1)")) \
        == ["readers._input"]
    assert private_uses(ast.parse("from research.bench.quality import _log")) == [
        "research.bench.quality._log"]
    assert private_uses(ast.parse("import os\nos._exit(0)")) == []


@pytest.mark.parametrize("path", sorted(RESEARCH.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_uses_another_modules_private_names(path):
    assert private_uses(parse(path)) == []
