"""The command line as a user runs it: settings from the environment, one-sentence errors,
`status --json` as the contract later tools read."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from connector.cli import app
from connector.logging import NIR_PATTERN


def env_for(settings) -> dict[str, str]:
    env = {
        "CONNECTOR_DATABASE_URL": settings.effective_database_url,
        "CONNECTOR_DATA_DIR": str(settings.data_dir),
        "CONNECTOR_LOG_FORMAT": "json",
        "CONNECTOR_LOG_LEVEL": "warning",
    }
    if settings.dendreo.base_url:
        env["CONNECTOR_DENDREO__BASE_URL"] = settings.dendreo.base_url
        env["CONNECTOR_DENDREO__API_KEY"] = settings.dendreo.api_key.get_secret_value()
    return env


def test_sync_then_status_json_lists_counts_and_every_problem_with_a_masked_nir(synced_settings, dendreo):
    runner = CliRunner()
    env = env_for(synced_settings)
    synced = runner.invoke(app, ["sync"], env=env)
    assert synced.exit_code == 0, synced.output
    assert "Synced (window)" in synced.stdout
    result = runner.invoke(app, ["status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert set(status["counts"]) >= {"ready", "invalid", "excluded", "declared", "rejected", "in_doubt"}
    assert status["counts"]["invalid"] == len([p for p in status["problems"] if p["state"] == "invalid"])
    assert status["problems"]
    for problem in status["problems"]:
        assert problem["session"] and problem["reasons"]
        assert problem["nir"] is None or "*" in problem["nir"]
    assert not NIR_PATTERN.search(result.stdout), "a NIR-shaped number appears in the status"


def test_status_table_masks_nirs_too(synced_settings, dendreo):
    runner = CliRunner()
    env = env_for(synced_settings)
    runner.invoke(app, ["sync"], env=env)
    result = runner.invoke(app, ["status"], env={**env, "COLUMNS": "200"})
    assert result.exit_code == 0
    assert "ready" in result.stdout and "count" in result.stdout
    assert not NIR_PATTERN.search(result.stdout)


def test_a_wrong_setting_ends_with_one_sentence_and_exit_code_2(settings):
    env = {**env_for(settings), "CONNECTOR_DENDREO__BASE_URL": "pro.dendreo.com/acme/api"}
    result = CliRunner().invoke(app, ["sync"], env=env)
    assert result.exit_code == 2
    assert "CONNECTOR_DENDREO__BASE_URL" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_api_key_is_named(settings):
    env = {**env_for(settings), "CONNECTOR_DENDREO__BASE_URL": "http://127.0.0.1:9/acme/api"}
    result = CliRunner().invoke(app, ["sync"], env=env)
    assert result.exit_code == 2
    assert "dendreo.api_key" in result.stderr


def test_sync_month_options_are_checked(settings):
    result = CliRunner().invoke(app, ["sync", "--from", "2026-13"], env=env_for(settings))
    assert result.exit_code == 2 and "YYYY-MM" in result.stderr


def test_db_upgrade_reports_the_revision(settings):
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env_for(settings))
    assert result.exit_code == 0, result.output
    assert re.search(r"revision \w+", result.stdout)


@pytest.mark.browser
def test_login_check_without_a_saved_session_says_to_log_in(settings, tmp_path):
    from connector.sandbox.launch import start_sandboxes

    sandboxes = start_sandboxes(sessions=1, months=1, portal_db=tmp_path / "portal.sqlite3")
    try:
        env = {**env_for(settings), "CONNECTOR_PORTAL__BASE_URL": sandboxes.portal.url}
        result = CliRunner().invoke(app, ["login", "--check"], env=env)
    finally:
        sandboxes.stop()
    assert result.exit_code == 1
    assert "connector login" in result.stdout
