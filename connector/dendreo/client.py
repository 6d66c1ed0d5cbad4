"""Dendreo REST client: throttled, retried, tolerant of the API's shapes.

* Authentication by header (``Authorization: Token token="…"``), so the key never lands in a URL
  or a log line.
* Self-throttling: at most ``burst`` requests in any ``window_s`` seconds (Dendreo allows 100 per
  10 s), a sliding window shared by every request of the client.
* Retries (tenacity) on 429, 5xx, timeouts, connection errors and non-JSON answers, with
  exponential backoff and jitter, honouring ``Retry-After`` when Dendreo sends one.
* 401 is fatal and names the resource: the key is wrong or lacks the read right on it.
* A list answer is an array; a SHOW answer is an object or a one-element array: both are
  returned as a list of dicts. String values are stripped; the mapping interprets them.

Retry policy, one row per answer:

    answer                          action
    2xx JSON array/object           return it
    401                             SourceAuthError (fatal)
    422, other 4xx                  SourceResponseError (fatal, message from the body)
    429                             retry after Retry-After, else backoff
    5xx, timeout, connection error  retry with backoff
    2xx that is not JSON (HTML)     retry with backoff, then SourceResponseError
"""

from __future__ import annotations

import collections
import email.utils
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from connector.errors import SourceAuthError, SourceResponseError
from connector.logging import get_logger
from connector.settings import DendreoSettings, require

log = get_logger(__name__)

Record = dict[str, Any]


class _Retryable(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class SlidingWindowThrottle:
    """At most `limit` events in any `window` seconds."""

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._stamps: collections.deque[float] = collections.deque()
        self.waited_s = 0.0

    def acquire(self) -> None:
        now = self._clock()
        while self._stamps and now - self._stamps[0] >= self.window:
            self._stamps.popleft()
        if len(self._stamps) >= self.limit:
            delay = self.window - (now - self._stamps[0])
            if delay > 0:
                self.waited_s += delay
                self._sleep(delay)
            self._stamps.popleft()
        self._stamps.append(self._clock())


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class DendreoClient:
    def __init__(
        self,
        settings: DendreoSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        base_url = require(settings.base_url, "dendreo.base_url")
        api_key = require(settings.api_key, "dendreo.api_key").get_secret_value()
        self._http = httpx.Client(
            base_url=base_url + "/",
            headers={"Authorization": f'Token token="{api_key}"', "Accept": "application/json"},
            timeout=settings.timeout_s,
            transport=transport,
        )
        self._sleep = sleep
        self.throttle = SlidingWindowThrottle(settings.burst, settings.window_s, clock=clock, sleep=sleep)
        self.requests = 0
        self.retries = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DendreoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public surface -------------------------------------------------------------------------

    def get(self, resource: str, **params: Any) -> list[Record]:
        """GET `<resource>.php` with `params`; always a list of records."""
        query = {k: self._param(v) for k, v in params.items() if v is not None}
        body = self._send_with_retries(resource, query)
        if isinstance(body, dict):
            if "status" in body and body.get("status") == "failure":
                raise SourceResponseError(f"Dendreo {resource}.php refused the request: {'; '.join(body.get('errors', []))}")
            return [_clean(body)]
        if isinstance(body, list):
            return [_clean(item) for item in body if isinstance(item, dict)]
        raise SourceResponseError(f"Dendreo {resource}.php answered {type(body).__name__}, not a record list.")

    def get_by_ids(self, resource: str, ids: Iterable[str], *, id_param: str = "id", **params: Any) -> list[Record]:
        """Read many ids with as few requests as possible (`id=1,2,3`, chunked)."""
        unique = sorted({str(i) for i in ids if i not in (None, "", "0")}, key=lambda s: (len(s), s))
        out: list[Record] = []
        size = self.settings.ids_per_request
        for start in range(0, len(unique), size):
            out.extend(self.get(resource, **{id_param: unique[start : start + size]}, **params))
        return out

    # -- internals ------------------------------------------------------------------------------

    @staticmethod
    def _param(value: Any) -> str:
        if isinstance(value, (list, tuple, set, frozenset)):
            return ",".join(str(v) for v in value)
        return str(value)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = wait_random_exponential(multiplier=0.5, max=self.settings.max_backoff_s)(state)
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.max_backoff_s)
        return backoff

    def _before_sleep(self, state: RetryCallState) -> None:
        self.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "dendreo.retry",
            attempt=state.attempt_number,
            wait_s=round(state.next_action.sleep, 2) if state.next_action else None,
            error=str(exc),
        )

    def _send_with_retries(self, resource: str, query: dict[str, str]) -> Any:
        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send_once(resource, query)
        except _Retryable as exc:
            raise SourceResponseError(
                f"Dendreo {resource}.php still failing after {self.settings.max_attempts} attempts: {exc}",
                status=exc.status,
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, resource: str, query: dict[str, str]) -> Any:
        self.throttle.acquire()
        self.requests += 1
        try:
            response = self._http.get(f"{resource}.php", params=query)
        except httpx.TimeoutException:
            raise _Retryable(f"timeout after {self.settings.timeout_s:g} s") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection error: {type(exc).__name__}") from None
        status = response.status_code
        log.debug("dendreo.request", resource=resource, params=sorted(query), status=status)
        if status == 401:
            raise SourceAuthError(
                f"Dendreo refused the API key for {resource}.php (401): check CONNECTOR_DENDREO__API_KEY "
                f"and that the key has the read right on this resource."
            )
        if status == 429:
            raise _Retryable("rate limited (429)", retry_after=parse_retry_after(response.headers.get("Retry-After")), status=429)
        if status >= 500:
            raise _Retryable(f"server error {status}", retry_after=parse_retry_after(response.headers.get("Retry-After")), status=status)
        body = self._json(response)
        if status >= 400:
            raise SourceResponseError(f"Dendreo {resource}.php answered {status}: {self._error_text(body)}", status=status)
        if body is _NOT_JSON:
            raise _Retryable(f"answer is not JSON ({response.headers.get('content-type', 'no content type')})", status=status)
        return body

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError:
            return _NOT_JSON

    @staticmethod
    def _error_text(body: Any) -> str:
        if isinstance(body, dict):
            if body.get("errors"):
                return "; ".join(str(e) for e in body["errors"])
            if body.get("message"):
                return str(body["message"])
        return "no readable error message"


_NOT_JSON = object()

