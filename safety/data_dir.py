"""Where SafeCanvas keeps its database and secret when nobody says otherwise.

On Hugging Face Spaces `/data` is the persistent volume (when the owner
enabled it); anywhere else a `data/` folder under the working directory, which
the repository ignores.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SPACES_PERSISTENT_ROOT = Path("/data")


def default_data_dir(
    environ: Mapping[str, str],
    *,
    persistent_root: Path = SPACES_PERSISTENT_ROOT,
    cwd: Path | None = None,
) -> Path:
    """`SAFECANVAS_DATA_DIR`, else `/data/safecanvas` when `/data` is writable, else `./data`."""
    if environ.get("SAFECANVAS_DATA_DIR"):
        return Path(environ["SAFECANVAS_DATA_DIR"])
    if persistent_root.is_dir() and os.access(persistent_root, os.W_OK | os.X_OK):
        return persistent_root / "safecanvas"
    return (cwd or Path.cwd()) / "data"


def default_database_url(data_dir: Path, environ: Mapping[str, str]) -> str:
    """`DATABASE_URL` when set, else an SQLite file in `data_dir`.

    Hosting platforms hand out `postgres://` or `postgresql://` URLs, which
    SQLAlchemy would route to psycopg2; we ship psycopg 3, so name it.
    """
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{data_dir / 'safecanvas.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
