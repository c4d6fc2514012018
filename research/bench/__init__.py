"""The benchmark harness: invented data at three scales in a temporary database, every promised
operation timed through the functions the app uses, each beside a baseline measured in the
same run (`python -m research bench`, `make bench`).

Modules: `scales` (sizes), `invent` (seeded Dutch-looking data), `measure` (timing, memory,
records), `qual`, `survey`, `tracker` (the operations per module), `pages` (page runs with
Streamlit's AppTest), `quality` (the wijkwerkplaats quality figures), `growth` (exponents and
the plot), `report` (machine, markdown, JSON) and `run` (the orchestration).
"""
