"""Settings of the sandbox portal.

Every default is written next to its field. From the environment, each field is
``PORTAL_SANDBOX_<FIELD>`` (``__`` for nested keys, e.g. ``PORTAL_SANDBOX_ACCOUNTS`` as JSON).
The fault fields are the *initial* fault state: ``POST /_sandbox/faults`` changes them while the
server runs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalAccount(BaseModel):
    """A Net-entreprises declarant: the organisation's SIRET and the person's names and password."""

    siret: str
    nom: str
    prenom: str
    password: SecretStr
    #: shown in the header of the declaration space
    raison_sociale: str = "Organisme de formation"

    @field_validator("siret")
    @classmethod
    def _siret(cls, v: str) -> str:
        if len(v) != 14 or not v.isdigit():
            raise ValueError("a SIRET is 14 digits")
        return v


DEFAULT_ACCOUNT = PortalAccount(
    siret="12345678200010",
    nom="DUPONT",
    prenom="Marie",
    password=SecretStr("sandbox"),
    raison_sociale="Organisme de formation Bac à sable",
)


class PortalSandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_SANDBOX_", env_nested_delimiter="__", extra="forbid")

    #: SQLite file holding sessions, drafts, declarations and imports (created with its folder)
    db_path: Path = Path("var/portal-sandbox.sqlite3")
    #: the declarant accounts; default: SIRET 12345678200010, DUPONT, Marie, password "sandbox"
    accounts: list[PortalAccount] = Field(default_factory=lambda: [DEFAULT_ACCOUNT])
    #: the sandbox clock's "today" (dates after it are "in the future"); None = the real date (Europe/Paris)
    today: date | None = None
    #: a session ends this many seconds after login (the current value applies to open sessions too)
    session_lifetime_s: float = Field(1800.0, ge=0)
    #: added to every request except /_sandbox/*
    latency_ms: int = Field(0, ge=0)
    #: probability that "Confirmer la déclaration" answers 500 without recording anything
    fail_before_record_probability: float = Field(0.0, ge=0, le=1)
    #: probability that "Confirmer la déclaration" records the declaration and then answers 500
    fail_after_record_probability: float = Field(0.0, ge=0, le=1)
    #: seconds between recording a declaration and answering (a slow confirmation page)
    confirm_delay_s: float = Field(0.0, ge=0)
    #: every page answers 503 "Service en maintenance" (except /_sandbox/* and /static/*)
    maintenance: bool = False
    #: seed of the random generator behind the two probabilities above
    fault_seed: int = 0
    #: enables POST/GET /_sandbox/faults
    fault_control_enabled: bool = True
    #: enables GET /_sandbox/declarations and POST /_sandbox/reset (404 otherwise)
    inspection_enabled: bool = False
    #: largest mass-import file accepted (the portal's limit: 200 MB)
    max_upload_bytes: int = Field(200 * 1024 * 1024, ge=1)
    #: rows per page of "Historique des déclarations"
    history_page_size: int = Field(50, ge=1)
