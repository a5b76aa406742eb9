from __future__ import annotations

from pathlib import Path

from safety.data_dir import default_data_dir, default_database_url


def test_an_explicit_data_dir_wins(tmp_path: Path) -> None:
    environ = {"SAFECANVAS_DATA_DIR": str(tmp_path / "mine")}
    assert default_data_dir(environ, persistent_root=tmp_path) == tmp_path / "mine"


def test_writable_persistent_storage_is_used(tmp_path: Path) -> None:
    assert default_data_dir({}, persistent_root=tmp_path) == tmp_path / "safecanvas"


def test_without_persistent_storage_data_goes_under_the_working_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-volume"
    assert default_data_dir({}, persistent_root=missing, cwd=tmp_path) == tmp_path / "data"


def test_the_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    assert default_database_url(tmp_path, {}) == f"sqlite:///{tmp_path}/safecanvas.db"


def test_database_url_wins_and_names_the_psycopg_driver(tmp_path: Path) -> None:
    for given in ("postgres://u@db:5432/app", "postgresql://u@db:5432/app"):
        url = default_database_url(tmp_path, {"DATABASE_URL": given})
        assert url == "postgresql+psycopg://u@db:5432/app"
    explicit = "postgresql+psycopg://u@db/app"
    assert default_database_url(tmp_path, {"DATABASE_URL": explicit}) == explicit
