"""The Dendreo API sandbox: `/{slug}/api/{resource}.php` over HTTP, quirks included.

Order of checks for every API request, as a PHP script behind a gateway would do them:

    unknown slug or resource   404 {"message": …}
    no key / wrong key         401 {"message": …}   (header `Authorization: Token token="…"` or ?key=)
    resource denied to the key 401 {"message": …}
    over `burst` per `window_s` 429, with `Retry-After` on a seeded share of them
    latency_ms                 the answer waits
    fault_500_rate             500 {"message": …}
    fault_html_rate            an HTML error page, status 502 or 200, Content-Type text/html
    bad date filter            422 {"status": "failure", "errors": […]}
    GET                        INDEX → array; one id → object (one-element array if show_as_array)
    POST participants / laps   updates the record (form or JSON body), bumps date_edit

Sandbox-only, no key: `GET /_sandbox/stats` and `POST /_sandbox/stats/reset`.
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import random
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector.sandbox.dendreo.data import DendreoDataset, UnknownRecord
from connector.sandbox.dendreo.query import RESOURCES, QueryError, select

#: resources that accept POST updates in the sandbox
WRITABLE = ("participants", "laps")

_TOKEN = re.compile(r'^\s*Token\s+token="?([^"]*)"?\s*$', re.IGNORECASE)

_HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_HTML_200 = (
    "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Dendreo - Maintenance</title></head>"
    "<body><h1>Maintenance en cours</h1><p>Dendreo est momentanément indisponible. Merci de réessayer dans quelques "
    "minutes.</p></body></html>"
)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Compact UTF-8 JSON, as PHP's json_encode sends it (the fast path for large lists)."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(payload, status_code=status, headers=headers, media_type="application/json")


class RollingWindowLimiter:
    """At most `burst` admitted requests per key in any `window_s` seconds."""

    def __init__(self, burst: int, window_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.window_s = window_s
        self._clock = clock
        self._stamps: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)

    def admit(self, key: str) -> float | None:
        """None when admitted, else the seconds until a slot frees."""
        now = self._clock()
        stamps = self._stamps[key]
        while stamps and now - stamps[0] >= self.window_s:
            stamps.popleft()
        if len(stamps) >= self.burst:
            return self.window_s - (now - stamps[0])
        stamps.append(now)
        return None


class SandboxStats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.by_resource: collections.Counter[str] = collections.Counter()
        self.throttled = 0
        self.faults = 0
        self.bytes_sent = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_resource": dict(self.by_resource),
            "throttled": self.throttled,
            "faults": self.faults,
            "bytes_sent": self.bytes_sent,
        }


def create_dendreo_app(
    dataset: DendreoDataset,
    *,
    slug: str = "acme",
    api_key: str = "sandbox-key",
    burst: int = 100,
    window_s: float = 10.0,
    retry_after_share: float = 0.5,
    denied_resources: Iterable[str] = (),
    show_as_array: bool = False,
    fault_500_rate: float = 0.0,
    fault_html_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int = 0,
) -> Starlette:
    """The sandbox as an ASGI app serving `dataset` (run it with server.serve_in_thread).

    Dendreo's own limits are the defaults (100 requests per 10 s). Random choices (which 429s
    carry Retry-After, which requests fail) come from generators seeded with `seed`.
    """
    denied = frozenset(denied_resources)
    limiter = RollingWindowLimiter(burst, window_s)
    stats = SandboxStats()
    retry_rng = random.Random(f"{seed}:retry-after")
    fault_rng = random.Random(f"{seed}:faults")

    def reply(response: Response) -> Response:
        stats.bytes_sent += len(response.body)
        return response

    async def api(request: Request) -> Response:
        resource = request.path_params["resource"]
        stats.requests += 1
        if request.path_params["slug"] != slug or resource not in RESOURCES:
            return reply(json_response({"message": f"Ressource inconnue : {resource}.php"}, 404))
        stats.by_resource[resource] += 1
        if _api_key(request) != api_key:
            return reply(json_response({"message": "Clé API invalide ou manquante."}, 401))
        if resource in denied:
            return reply(json_response({"message": f"Cette clé API n'a pas accès à {resource}.php."}, 401))
        wait = limiter.admit(api_key)
        if wait is not None:
            stats.throttled += 1
            headers = {"Retry-After": str(max(1, math.ceil(wait)))} if retry_rng.random() < retry_after_share else None
            return reply(json_response({"message": "Trop de requêtes : limite de débit atteinte."}, 429, headers))
        if latency_ms:
            await asyncio.sleep(latency_ms / 1000)
        if fault_500_rate and fault_rng.random() < fault_500_rate:
            stats.faults += 1
            return reply(json_response({"message": "Internal Server Error"}, 500))
        if fault_html_rate and fault_rng.random() < fault_html_rate:
            stats.faults += 1
            if fault_rng.random() < 0.5:
                return reply(Response(_HTML_502, status_code=502, media_type="text/html"))
            return reply(Response(_HTML_200, status_code=200, media_type="text/html"))
        if request.method == "POST":
            return reply(await _post(request, resource))
        try:
            with dataset.lock:
                records, show = select(dataset, resource, request.query_params, today=dataset.clock().date())
                if show:
                    body: Any = records if show_as_array or not records else records[0]
                else:
                    body = records
                return reply(json_response(body))
        except QueryError as exc:
            return reply(json_response(exc.body, exc.status))

    async def _post(request: Request, resource: str) -> Response:
        if resource not in WRITABLE:
            return json_response({"message": f"Le sandbox n'accepte pas d'écriture sur {resource}.php."}, 405)
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                return json_response({"status": "failure", "errors": ["Corps JSON invalide."]}, 422)
            if not isinstance(body, dict):
                return json_response({"status": "failure", "errors": ["Le corps doit être un objet JSON."]}, 422)
        else:
            body = dict(await request.form())
        key_field = {"participants": "id_participant", "laps": "id_lap"}[resource]
        record_id = str(body.pop("id", "") or body.pop(key_field, "") or "")
        body.pop(key_field, None)
        body.pop("key", None)
        if not record_id:
            error = "La création n'est pas prise en charge par le sandbox : indiquez id."
            return json_response({"status": "failure", "errors": [error]}, 422)
        with dataset.lock:
            try:
                record = dataset.get(resource, record_id)
            except UnknownRecord:
                return json_response({"message": f"Aucun enregistrement {record_id} dans {resource}.php."}, 404)
            # like Dendreo, ignore what cannot be written instead of failing
            writable = [k for k in body if (k in record.API_FIELDS or k.startswith("c_")) and k not in record.FIXED]
            fields = {k: body[k] for k in writable if k != "date_edit"}
            record = dataset.update(resource, record_id, **fields)
            return json_response(record.to_api())

    async def sandbox_stats(request: Request) -> Response:
        return json_response(stats.as_dict())

    async def sandbox_stats_reset(request: Request) -> Response:
        stats.reset()
        return json_response(stats.as_dict())

    app = Starlette(
        routes=[
            Route("/_sandbox/stats", sandbox_stats, methods=["GET"]),
            Route("/_sandbox/stats/reset", sandbox_stats_reset, methods=["POST"]),
            Route("/{slug}/api/{resource}.php", api, methods=["GET", "POST"]),
        ]
    )
    app.state.dataset = dataset
    app.state.stats = stats
    return app


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        match = _TOKEN.match(header)
        return match.group(1) if match else None
    return request.query_params.get("key")
