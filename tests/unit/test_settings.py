from __future__ import annotations

from pathlib import Path

import pytest

from safety.moderators import ModeratorConfigError
from settings import BUNDLED_MODEL_DIR, build_parser, load_settings


def test_defaults_serve_the_bundled_model_on_loopback():
    settings = load_settings([], environ={"SAFECANVAS_DATA_DIR": "d"})
    assert settings.model_id == str(BUNDLED_MODEL_DIR)
    assert (settings.server_name, settings.server_port) == ("127.0.0.1", 7860)
    assert settings.data_dir == Path("d")


def test_spaces_environment_variables_are_respected():
    environ = {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "7861", "MODEL_ID": "a/b"}
    settings = load_settings([], environ=environ)
    assert (settings.server_name, settings.server_port, settings.model_id) == (
        "0.0.0.0",
        7861,
        "a/b",
    )


def test_flags_win_over_the_environment():
    settings = load_settings(["--model", "c/d", "--port", "9000"], environ={"MODEL_ID": "a/b"})
    assert (settings.model_id, settings.server_port) == ("c/d", 9000)


def test_help_lists_model_device_data_dir_and_share(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for option in ("--model", "--device", "--data-dir", "--share"):
        assert option in text


def test_moderator_accounts_come_from_the_environment():
    assert not load_settings([], environ={}).moderators.enabled
    environ = {"SAFECANVAS_MODERATORS": "alice:correct-horse-battery"}
    assert (
        load_settings([], environ=environ).moderators.authenticate("alice", "correct-horse-battery")
        == "alice"
    )


def test_malformed_moderator_accounts_stop_the_app_from_starting():
    with pytest.raises(ModeratorConfigError, match="at least 12 characters"):
        load_settings([], environ={"SAFECANVAS_MODERATORS": "alice:short"})
