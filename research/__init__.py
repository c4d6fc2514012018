"""Onderzoekswerkplaats: qualitative coding, survey monitors and residents' questions in one app.

Domain code lives in subpackages (`qual`, `survey`, `tracker`) and in the modules beside this
file (storage, migrations, accounts, taxonomies, nlp); only `research.ui` imports streamlit.
"""

__version__ = "0.1.0"
