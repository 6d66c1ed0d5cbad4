"""The fault state of a running sandbox portal: initial values from the settings, changed by
``POST /_sandbox/faults``.

Counters ("fail the next n confirmations") make tests deterministic; probabilities draw from a
generator seeded with ``fault_seed``, and draw only when the probability is above zero, so a
seeded run is repeatable whatever the counters did.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .settings import PortalSandboxSettings


class FaultUpdate(BaseModel):
    """The JSON body of ``POST /_sandbox/faults``; absent keys keep their current value."""

    model_config = ConfigDict(extra="forbid")

    #: the next n confirmations answer 500 without recording anything
    fail_before_record_next: int | None = Field(None, ge=0)
    #: the next n confirmations record the declaration, then answer 500
    fail_after_record_next: int | None = Field(None, ge=0)
    fail_before_record_probability: float | None = Field(None, ge=0, le=1)
    fail_after_record_probability: float | None = Field(None, ge=0, le=1)
    confirm_delay_s: float | None = Field(None, ge=0)
    maintenance: bool | None = None
    session_lifetime_s: float | None = Field(None, ge=0)
    latency_ms: int | None = Field(None, ge=0)
    #: re-seeds the generator behind the probabilities
    fault_seed: int | None = None


class FaultState:
    def __init__(self, settings: PortalSandboxSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to the values of the settings, counters at zero."""
        s = self._settings
        with self._lock:
            self.fail_before_record_next = 0
            self.fail_after_record_next = 0
            self.fail_before_record_probability = s.fail_before_record_probability
            self.fail_after_record_probability = s.fail_after_record_probability
            self.confirm_delay_s = s.confirm_delay_s
            self.maintenance = s.maintenance
            self.session_lifetime_s = s.session_lifetime_s
            self.latency_ms = s.latency_ms
            self.fault_seed = s.fault_seed
            self._rng = random.Random(s.fault_seed)

    def update(self, changes: FaultUpdate) -> None:
        with self._lock:
            for key, value in changes.model_dump(exclude_none=True).items():
                setattr(self, key, value)
            if changes.fault_seed is not None:
                self._rng = random.Random(changes.fault_seed)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {key: getattr(self, key) for key in FaultUpdate.model_fields}

    def take_fail_before_record(self) -> bool:
        return self._take("fail_before_record")

    def take_fail_after_record(self) -> bool:
        return self._take("fail_after_record")

    def _take(self, fault: str) -> bool:
        with self._lock:
            remaining = getattr(self, f"{fault}_next")
            if remaining > 0:
                setattr(self, f"{fault}_next", remaining - 1)
                return True
            probability = getattr(self, f"{fault}_probability")
            return probability > 0 and self._rng.random() < probability
