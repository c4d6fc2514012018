"""The shared taxonomies loaded from codebooks/ (wijkwerkplaatsen, programmes, life domains)."""

from __future__ import annotations

import json
import shutil

from research import accounts, taxonomies
from research.config import CODEBOOKS_DIR, _parsed_yaml, shipped_yaml


def test_programmes(store):
    assert taxonomies.programmes(store) == {
        "gezondheid-welzijn": "Gezondheid & Welzijn",
        "onderwijs-opvoeding": "Onderwijs & Opvoeding",
        "participatie-inclusie": "Participatie & Inclusie",
        "veiligheid-justitie": "Veiligheid & Justitie",
        "werk-inkomen": "Werk & Inkomen",
        "wijk-wonen": "Wijk & Wonen",
    }


def test_wijkwerkplaatsen(store):
    assert taxonomies.wijkwerkplaatsen(store) == {
        "nieuw-west": "Nieuw-West", "noord": "Noord", "zuidoost": "Zuidoost"}
    assert store.rows("SELECT id, stadsdeel FROM wijkwerkplaatsen ORDER BY id") == [
        {"id": "nieuw-west", "stadsdeel": "Nieuw-West"},
        {"id": "noord", "stadsdeel": "Noord"},
        {"id": "zuidoost", "stadsdeel": "Zuidoost"},
    ]


def test_life_domains(store):
    assert taxonomies.life_domains(store) == {
        "gezondheid": "Gezondheid",
        "leefbaarheid": "Leefbaarheid",
        "mobiliteit": "Mobiliteit",
        "onderwijs": "Onderwijs",
        "participatie": "Participatie",
        "veiligheid": "Veiligheid",
        "werk-inkomen": "Werk en inkomen",
        "wonen": "Wonen",
    }


def test_keywords_are_stored_as_json_lists(store):
    keywords = json.loads(store.value("SELECT keywords FROM life_domains WHERE id = 'mobiliteit'"))
    assert keywords == ["bus", "tram", "metro", "fiets", "vervoer", "parkeren"]
    wonen = json.loads(store.value("SELECT keywords FROM programmes WHERE id = 'wijk-wonen'"))
    assert len(wonen) == 16
    assert wonen[:3] == ["woning", "huur", "huis"]


def test_first_load_logs_one_create_event_per_row(store):
    counts = store.rows("SELECT entity, count(*) AS n FROM events WHERE action = 'create'"
                        " AND entity IN ('programmes', 'wijkwerkplaatsen', 'life_domains')"
                        " GROUP BY entity ORDER BY entity")
    assert counts == [{"entity": "life_domains", "n": 8}, {"entity": "programmes", "n": 6},
                      {"entity": "wijkwerkplaatsen", "n": 3}]


def test_loading_again_adds_no_events(store):
    before = store.value("SELECT count(*) FROM events")
    taxonomies.load(store)
    taxonomies.load(store, CODEBOOKS_DIR)
    assert store.value("SELECT count(*) FROM events") == before


def test_changed_yaml_logs_one_update_event(store, tmp_path):
    folder = tmp_path / "codebooks"
    shutil.copytree(CODEBOOKS_DIR, folder)
    path = folder / "leefdomeinen.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("naam: Mobiliteit\n") == 1
    path.write_text(text.replace("naam: Mobiliteit\n", "naam: Mobiliteit en vervoer\n"),
                    encoding="utf-8")
    before = store.value("SELECT max(id) FROM events")

    taxonomies.load(store, folder)

    new = store.rows("SELECT actor, entity, entity_id, action, before, after FROM events"
                     " WHERE id > ?", [before])
    assert new == [{"actor": "systeem", "entity": "life_domains", "entity_id": "mobiliteit",
                    "action": "update", "before": '{"name": "Mobiliteit"}',
                    "after": '{"name": "Mobiliteit en vervoer"}'}]
    assert taxonomies.life_domains(store)["mobiliteit"] == "Mobiliteit en vervoer"
    # Loading the same changed files again is quiet.
    taxonomies.load(store, folder)
    assert store.value("SELECT max(id) FROM events") == before + 1


def test_new_yaml_entry_is_inserted_and_rows_referring_to_others_survive(store, tmp_path):
    folder = tmp_path / "codebooks"
    shutil.copytree(CODEBOOKS_DIR, folder)
    path = folder / "wijkwerkplaatsen.yaml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "  - id: west\n    naam: West\n    stadsdeel: West\n"), encoding="utf-8")
    store.write(accounts.SYSTEM_USER.actor, lambda tx: tx.link(
        "user_wijken", {"user_id": 1, "wijk_id": "noord"}))

    taxonomies.load(store, folder)

    assert taxonomies.wijkwerkplaatsen(store) == {
        "nieuw-west": "Nieuw-West", "noord": "Noord", "west": "West", "zuidoost": "Zuidoost"}
    last = store.one("SELECT entity, entity_id, action FROM events ORDER BY id DESC LIMIT 1")
    assert last == {"entity": "wijkwerkplaatsen", "entity_id": "west", "action": "create"}
    assert store.rows("SELECT user_id, wijk_id FROM user_wijken") == [
        {"user_id": 1, "wijk_id": "noord"}]


def test_read_returns_rows_as_the_yaml_defines_them():
    rows = taxonomies.read("wijkwerkplaatsen")
    assert [r["id"] for r in rows] == ["nieuw-west", "zuidoost", "noord"]
    assert rows[2] == {"id": "noord", "name": "Noord", "stadsdeel": "Noord",
                       "description": "Wijkwerkplaats in stadsdeel Noord; sluit aan bij de "
                                      "Aanpak Noord."}


def test_a_shipped_yaml_file_is_parsed_once_per_version(tmp_path):
    path = tmp_path / "leefdomeinen.yaml"
    path.write_text("leefdomeinen:\n  - id: a\n    naam: A\n", encoding="utf-8")
    parsed = _parsed_yaml.cache_info().misses
    first = shipped_yaml(path)
    assert first == {"leefdomeinen": [{"id": "a", "naam": "A"}]}
    first["leefdomeinen"][0]["naam"] = "veranderd"   # a caller's change stays its own
    assert shipped_yaml(path) == {"leefdomeinen": [{"id": "a", "naam": "A"}]}
    assert _parsed_yaml.cache_info().misses == parsed + 1
    # An edited file is read again.
    path.write_text("leefdomeinen:\n  - id: b\n    naam: Bee\n", encoding="utf-8")
    assert shipped_yaml(path) == {"leefdomeinen": [{"id": "b", "naam": "Bee"}]}
