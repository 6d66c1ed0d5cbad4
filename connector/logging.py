"""structlog setup: JSON lines off a TTY, coloured console on a TTY, and a redaction processor.

Redaction is a safety net, not the primary protection: code never logs a NIR on purpose. The
processor masks values of sensitive keys (NIR, passwords, keys, tokens) and any NIR-shaped
number inside any string before an event is rendered.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

SENSITIVE_KEYS = re.compile(r"nir|password|passwd|secret|api_key|token|authorization|cookie", re.I)
#: 13 or 15 characters shaped like a NIR, spaces allowed between the groups
NIR_PATTERN = re.compile(r"(?<![\dA-Za-z])[12]\s?\d{2}\s?\d{2}\s?(?:\d{2}|2[ABab])\s?\d{3}\s?\d{3}(?:\s?\d{2})?(?![\dA-Za-z])")


def redact_text(text: str) -> str:
    return NIR_PATTERN.sub("[NIR]", text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: ("***" if SENSITIVE_KEYS.search(str(k)) else _redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact(v) for v in value)
    return value


def redact_processor(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return _redact(event_dict)


class _StreamLogger:
    """Writes each rendered event to `stream`, or to whatever `sys.stderr` is at that moment
    (so a replaced or closed stderr — a test runner's capture — never breaks logging)."""

    def __init__(self, stream=None) -> None:
        self._stream = stream

    def msg(self, message: str) -> None:
        print(message, file=self._stream or sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def configure_logging(level: str = "info", fmt: str = "auto", stream=None) -> None:
    use_console = fmt == "console" or (fmt == "auto" and (stream or sys.stderr).isatty())
    renderer = structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer(ensure_ascii=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=lambda *_args: _StreamLogger(stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None):
    return structlog.get_logger(name)
