"""The app's web server: Streamlit's st.App running the router (streamlit_app.py), with the
login cookie's route and the download check of research/ui/gateway.py.

`python -m research serve` (what `make run` does) starts the workers, loads the pages'
modules, and then runs `streamlit run` on this file, which finds `app` below and serves it
with uvicorn in the same process.
"""

import streamlit as st

from research.ui import gateway

app = st.App("streamlit_app.py", routes=gateway.ROUTES, middleware=gateway.MIDDLEWARE)
