"""The portal's paths and labels, in one configurable place (labels.toml + an override file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from connector.errors import ConfigError


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@dataclass(frozen=True)
class Labels:
    raw: dict[str, Any]

    def __getitem__(self, dotted: str) -> str:
        section, _, key = dotted.partition(".")
        try:
            return self.raw[section][key]
        except KeyError:
            raise ConfigError(f"Portal label '{dotted}' is missing from the labels file.") from None

    def field(self, code: str) -> str:
        return self[f"fields.{code}"]

    def widget(self, code: str) -> str:
        return self.raw.get("widgets", {}).get(code, "text")

    def path(self, name: str) -> str:
        return self[f"paths.{name}"]


def load_labels(override_file: Path | None = None) -> Labels:
    raw = tomllib.loads(resources.files(__package__).joinpath("labels.toml").read_text(encoding="utf-8"))
    if override_file is not None:
        try:
            raw = _merge(raw, tomllib.loads(Path(override_file).read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Setting 'portal.labels_file': {override_file} cannot be read ({exc}).") from None
    return Labels(raw)
