"""Running the public door: uvicorn serving `site.make_app()` on the published view and the
fieldwork file only."""

from __future__ import annotations

import os
from pathlib import Path

from research.public import fieldwork, site, view


def run(db_path: Path, port: int, address: str) -> None:
    """Serve the public pages of the view beside `db_path` and the questionnaires of the
    fieldwork file beside it (the database itself is never opened: only its name tells where
    those files lie)."""
    import uvicorn

    os.environ[site.VIEW_ENV] = str(view.path_beside(db_path))
    os.environ[site.FIELDWORK_ENV] = str(fieldwork.path_beside(db_path))
    print(f"De openbare pagina's voor bewoners op http://{address}:{port}", flush=True)
    uvicorn.run(site.make_app(), host=address, port=port, log_level="warning",
                server_header=False, proxy_headers=False)
