"""One settings tree, from environment variables and a TOML file.

Sources, highest priority first: environment variables ``CONNECTOR_*`` (``__`` separates nested
keys, e.g. ``CONNECTOR_DENDREO__API_KEY``), then the TOML file ``config/connector.toml`` (or the
path in ``CONNECTOR_CONFIG``), then the defaults written here. ``config/connector.example.toml``
documents every key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from connector.errors import ConfigError

DEFAULT_CONFIG_FILE = Path("config/connector.toml")


class _Section(BaseModel):
    """A settings section: an unknown key (a typo) is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class DendreoSettings(_Section):
    #: tenant API root, e.g. https://pro.dendreo.com/acme/api
    base_url: str | None = None
    api_key: SecretStr | None = None
    #: self-imposed burst: requests per window (Dendreo allows 100 per 10 s)
    burst: int = Field(90, ge=1)
    window_s: float = Field(10.0, gt=0)
    timeout_s: float = Field(60.0, gt=0)
    #: attempts per request on 429 / 5xx / timeouts / connection errors
    max_attempts: int = Field(6, ge=1)
    #: longest wait between two attempts (seconds), Retry-After included
    max_backoff_s: float = Field(60.0, gt=0)
    #: ids sent in one `id=1,2,3` request
    ids_per_request: int = Field(150, ge=1, le=500)
    #: months read by the first sync when no --from is given
    first_sync_months: int = Field(12, ge=1, le=36)
    #: days re-read before the last sync on an incremental sync (date filters are day-grained)
    overlap_days: int = Field(2, ge=1)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")


class MappingSettings(_Section):
    """Where each Passeport value comes from in Dendreo. Paths are `<record>.<field>` with record one
    of participant, lap, entreprise, module, formateur, session."""

    done_stages: list[str] = ["Réalisation"]
    failed_stages: list[str] = ["Echec", "Annulé", "Annulée"]
    active_lap_statuses: list[str] = ["1"]
    #: "presence": LAP presence must be OUI; "percent": presence_percent ≥ min_presence_percent; "none"
    attendance_rule: Literal["presence", "percent", "none"] = "presence"
    min_presence_percent: float = Field(0.0, ge=0, le=100)
    nir: str = "participant.c_nir"
    refused_nir: str = "participant.c_refus_nir"
    birth_name: list[str] = ["participant.c_nom_naissance", "participant.nom"]
    employer_siret: str = "entreprise.siret"
    employer_reference: str | None = None
    rome_codes: str = "module.c_competences_rome"
    formacodes: str = "module.c_formacode"
    nsf_codes: str = "module.c_nsf"
    rs_code: str = "module.c_code_rs"
    certifying: str = "module.c_certifiante"
    declaration_type: str = "module.c_type_declaration"
    jdr_type: str = "module.c_type_jdr"
    validity_months: str = "module.c_validite_mois"
    preset: str = "module.c_preset_pp"
    declarable: str = "module.c_declarable_pp"
    trainer_qualification: str = "formateur.c_qualification_pp"
    #: id_module → preset key of training_presets.json, for modules without a preset field
    module_presets: dict[str, str] = {}
    #: fill codes missing on a module from its preset
    complete_from_preset: bool = True


class RulesSettings(_Section):
    #: a user deadline-rules TOML replacing the packaged one
    deadline_rules_file: Path | None = None
    failed_jdr_as_adf: bool = True
    unknown_result_jdr: bool = True
    absent_is_excluded: bool = True


class BrowserSettings(_Section):
    #: Chromium executable; unset = auto-detect (/usr/bin/chromium, then PATH, then Playwright's own)
    executable: str | None = None
    headless: bool = True
    slow_mo_ms: float = 0
    #: default timeout of one browser action
    action_timeout_s: float = Field(30.0, gt=0)
    #: how long to wait for the page that follows the final click
    confirm_timeout_s: float = Field(120.0, gt=0)
    #: Playwright trace of each batch, kept only when the batch fails: "actions" (the action log,
    #: cheap), "full" (with DOM snapshots and screenshots: doubles the filling time), or "off"
    trace: Literal["off", "actions", "full"] = "actions"


class PortalSettings(_Section):
    base_url: str | None = None
    siret: str | None = None
    nom: str | None = None
    prenom: str | None = None
    password: SecretStr | None = None
    #: Playwright storage state saved by `connector login` (used when no password is set)
    storage_state: Path | None = None
    #: titulaires per web-form declaration (the portal takes at most 50)
    batch_size: int = Field(50, ge=1, le=50)
    #: declarations filled at the same time, each in its own browser (1 = one after the other)
    parallel_batches: int = Field(2, ge=1, le=4)
    #: file with page labels and paths overriding the packaged ones
    labels_file: Path | None = None
    #: days failure evidence (screenshots, traces) is kept: it shows NIRs
    evidence_days: int = Field(7, ge=0)


class SecuritySettings(_Section):
    #: urlsafe-base64 32-byte key for NIR encryption; unset = key file below (created on first run)
    nir_key: SecretStr | None = None
    nir_key_file: Path | None = None


class ScheduleSettings(_Section):
    #: crontab expression (Europe/Paris) for `connector schedule`
    cron: str = "0 6 * * 1-5"
    timezone: str = "Europe/Paris"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CONNECTOR_", env_nested_delimiter="__", extra="forbid", nested_model_default_partial_update=True
    )

    #: SQLAlchemy URL; default SQLite file under data_dir
    database_url: str | None = None
    #: where the SQLite store, the key file, evidence and browser state live
    data_dir: Path = Path("var")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    dendreo: DendreoSettings = DendreoSettings()
    mapping: MappingSettings = MappingSettings()
    rules: RulesSettings = RulesSettings()
    portal: PortalSettings = PortalSettings()
    browser: BrowserSettings = BrowserSettings()
    security: SecuritySettings = SecuritySettings()
    schedule: ScheduleSettings = ScheduleSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = Path(os.environ.get("CONNECTOR_CONFIG", DEFAULT_CONFIG_FILE))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=path, deep_merge=True))

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'connector.db'}"

    @property
    def nir_key_path(self) -> Path:
        return self.security.nir_key_file or self.data_dir / "nir.key"


def _env_name(loc: tuple) -> str:
    return "CONNECTOR_" + "__".join(str(p).upper() for p in loc)


def load_settings(**overrides) -> Settings:
    """Settings from env + TOML; a wrong setting raises ConfigError with one sentence naming it."""
    config_path = Path(os.environ.get("CONNECTOR_CONFIG", DEFAULT_CONFIG_FILE))
    if "CONNECTOR_CONFIG" in os.environ and not config_path.is_file():
        raise ConfigError(f"CONNECTOR_CONFIG points to {config_path}, which does not exist.")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(p for p in first["loc"] if not isinstance(p, int))
        dotted = ".".join(str(p) for p in loc)
        message = "is invalid: " + first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "is not a known setting"
        raise ConfigError(
            f"Setting '{dotted}' ({_env_name(loc)} or [{'.'.join(loc[:-1]) or 'top level'}] in {config_path}) {message}."
        ) from None
    except ValueError as exc:  # a TOML syntax error
        raise ConfigError(f"Configuration file {config_path} cannot be read: {exc}.") from None


def require(value, name: str):
    """Return value, or raise ConfigError naming the missing setting."""
    if value is None or (isinstance(value, str) and not value.strip()):
        env = "CONNECTOR_" + name.upper().replace(".", "__")
        raise ConfigError(f"Setting '{name}' is required here: set {env} or add it to the configuration file.")
    return value
