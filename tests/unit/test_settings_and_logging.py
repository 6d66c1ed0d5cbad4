"""Settings from env and TOML, one-sentence errors, and the log redaction safety net."""

from __future__ import annotations

import io
import json
import time

import pytest

from connector.errors import ConfigError
from connector.logging import configure_logging, get_logger, redact_text
from connector.portal import evidence
from connector.settings import load_settings


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    import os

    for key in list(os.environ):
        if key.startswith("CONNECTOR_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_nested_settings_come_from_env_with_double_underscores(clean_env, monkeypatch):
    monkeypatch.setenv("CONNECTOR_DENDREO__BASE_URL", "https://pro.dendreo.com/acme/api/")
    monkeypatch.setenv("CONNECTOR_DENDREO__API_KEY", "k-123")
    settings = load_settings()
    assert settings.dendreo.base_url == "https://pro.dendreo.com/acme/api"
    assert settings.dendreo.api_key.get_secret_value() == "k-123"
    assert "k-123" not in repr(settings)
    assert settings.effective_database_url == "sqlite:///var/connector.db"


def test_toml_file_is_read_and_env_wins_over_it(clean_env, monkeypatch):
    config = clean_env / "c.toml"
    config.write_text('database_url = "sqlite:///from-file.db"\n[dendreo]\nburst = 50\n[mapping]\ndone_stages = ["Terminée"]\n')
    monkeypatch.setenv("CONNECTOR_CONFIG", str(config))
    monkeypatch.setenv("CONNECTOR_DENDREO__BURST", "40")
    settings = load_settings()
    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.dendreo.burst == 40
    assert settings.mapping.done_stages == ["Terminée"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CONNECTOR_DENDREO__BASE_URL": "pro.dendreo.com"}, "CONNECTOR_DENDREO__BASE_URL"),
        ({"CONNECTOR_DENDREO__BURST": "lots"}, "CONNECTOR_DENDREO__BURST"),
        ({"CONNECTOR_PORTAL__BATCH_SIZE": "80"}, "CONNECTOR_PORTAL__BATCH_SIZE"),
        ({"CONNECTOR_CONFIG": "/nonexistent/connector.toml"}, "CONNECTOR_CONFIG"),
    ],
    ids=["url-without-scheme", "not-a-number", "batch-over-portal-limit", "missing-config-file"],
)
def test_a_wrong_setting_is_one_sentence_naming_it(clean_env, monkeypatch, env, named):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert named in message and "\n" not in message and "Traceback" not in message


def test_unknown_key_in_the_config_file_is_reported(clean_env, monkeypatch):
    config = clean_env / "c.toml"
    config.write_text("[dendreo]\nbase_ulr = 'https://x'\n")
    monkeypatch.setenv("CONNECTOR_CONFIG", str(config))
    with pytest.raises(ConfigError, match="dendreo.base_ulr.*not a known setting"):
        load_settings()


@pytest.mark.parametrize(
    "text",
    ["NIR 185037512345678 refused", "nir=1 85 03 75 123 456 78.", "2A NIR 2850399012345", "key 2690299341732"],
)
def test_nir_shaped_numbers_are_redacted_from_any_text(text):
    out = redact_text(text)
    assert "[NIR]" in out
    assert not any(ch.isdigit() for ch in out.split("[NIR]")[0][-3:]) or "2A" in text


def test_logs_never_show_a_nir_or_a_secret():
    stream = io.StringIO()
    configure_logging("debug", "json", stream=stream)
    get_logger("t").info("check", nir="185037512345678", password="hunter2", detail="learner 1 85 03 75 123 456 78 invalid", siret="78574815344867")
    configure_logging("warning", "json")
    line = json.loads(stream.getvalue())
    dumped = json.dumps(line)
    assert "185037512345678" not in dumped and "123 456 78" not in dumped and "hunter2" not in dumped
    assert line["siret"] == "78574815344867"


def test_failure_evidence_older_than_the_retention_is_purged(tmp_path):
    root = evidence.evidence_root(tmp_path)
    old, fresh = root / "old", root / "fresh"
    for d in (old, fresh):
        d.mkdir(parents=True)
        (d / "screenshot.png").write_bytes(b"x")
    ten_days_ago = time.time() - 10 * 86400
    import os

    os.utime(old, (ten_days_ago, ten_days_ago))
    assert evidence.purge(tmp_path, days=7) == 1
    assert not old.exists() and fresh.exists()
