"""Running the public door: uvicorn serving `site.make_app()` on the published view only."""

from __future__ import annotations

import os
from pathlib import Path

from research.public import site, view


def run(db_path: Path, port: int, address: str) -> None:
    """Serve the public pages of the view beside `db_path` (the database itself is never
    opened: only its name tells where the view lies)."""
    import uvicorn

    os.environ[site.VIEW_ENV] = str(view.path_beside(db_path))
    print(f"De openbare pagina's voor bewoners op http://{address}:{port}", flush=True)
    uvicorn.run(site.make_app(), host=address, port=port, log_level="warning",
                server_header=False, proxy_headers=False)
