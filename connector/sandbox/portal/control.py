"""Sandbox-only JSON endpoints under /_sandbox: fault control and state inspection.

They are not part of the simulated portal: maintenance mode and added latency leave them alone.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .faults import FaultUpdate
from .web import portal_of

_NOT_FOUND = JSONResponse({"detail": "Not Found"}, status_code=404)


async def faults(request: Request) -> Response:
    portal = portal_of(request)
    if not portal.settings.fault_control_enabled:
        return _NOT_FOUND
    if request.method == "POST":
        try:
            update = FaultUpdate.model_validate(json.loads(await request.body() or b"{}"))
        except (ValueError, ValidationError) as exc:
            detail = exc.errors(include_url=False) if isinstance(exc, ValidationError) else str(exc)
            return JSONResponse({"detail": detail}, status_code=422)
        portal.faults.update(update)
    return JSONResponse(portal.faults.snapshot())


async def declarations(request: Request) -> Response:
    portal = portal_of(request)
    if not portal.settings.inspection_enabled:
        return _NOT_FOUND
    return JSONResponse(portal.store.all_declarations())


async def reset(request: Request) -> Response:
    portal = portal_of(request)
    if not portal.settings.inspection_enabled:
        return _NOT_FOUND
    portal.store.reset()
    portal.faults.reset()
    return JSONResponse({"reset": True})
