"""The form channel: one declaration through "Déclarer une formation", up to the final click.

`prepare` runs the safe steps (type, training, titulaires, up to the recap page): they send
nothing that the portal records, so they are retried with backoff, and an expired session is
re-opened and the steps started again. `confirm` is the final click and is never retried here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from connector.errors import PortalLoginRequired, PortalMaintenance, PortalRejected, PortalUnavailable
from connector.logging import get_logger
from connector.portal.pages import DeclarationForm
from connector.portal.payload import DeclarationPayload
from connector.portal.session import PortalBrowser

log = get_logger(__name__)

SAFE_ATTEMPTS = 3


class FormChannel:
    def __init__(self, portal: PortalBrowser, *, sleep=time.sleep) -> None:
        self.portal = portal
        self._sleep = sleep

    def prepare(
        self,
        form: DeclarationForm,
        payload: DeclarationPayload,
        *,
        on_rows_rejected: Callable[[dict[int, list[str]]], None] | None = None,
    ) -> DeclarationPayload:
        """Fill every step up to the recap page; returns what the recap holds.

        When the portal refuses some titulaires at the titulaires step and `on_rows_rejected` is
        given, it is told (titulaire id → messages), those rows are removed from the form as a
        person would, and the others go on. Otherwise PortalRejected propagates.
        """
        context = form.page.context
        last_error: Exception | None = None
        for attempt in range(1, SAFE_ATTEMPTS + 1):
            try:
                self.portal.ensure_logged_in(context, form.page)
                form.choose_type(payload.kind)
                form.fill_training(payload.training)
                try:
                    form.fill_titulaires([dict(t.values) for t in payload.titulaires])
                except PortalRejected as exc:
                    payload = self._drop_rejected(form, payload, exc, on_rows_rejected)
                if not form.at_recap():
                    raise PortalUnavailable("The recap page did not appear after the titulaires step.")
                return payload
            except (PortalRejected, PortalMaintenance):
                raise
            except PortalLoginRequired:
                if not self.portal.has_credentials:
                    raise
                last_error = PortalLoginRequired("session expired while filling")
                log.info("portal.session_expired_while_filling", attempt=attempt)
                self.portal.login(context, form.page)
            except (PortalUnavailable, PlaywrightTimeout, PlaywrightError) as exc:
                last_error = exc
                log.warning("portal.fill_retry", attempt=attempt, error=type(exc).__name__)
                if attempt < SAFE_ATTEMPTS:
                    self._sleep(min(2**attempt, 10))
        raise PortalUnavailable(f"Filling the declaration failed {SAFE_ATTEMPTS} times: {last_error}")

    def _drop_rejected(self, form, payload, exc: PortalRejected, on_rows_rejected) -> DeclarationPayload:
        for _ in range(SAFE_ATTEMPTS):
            rows = payload.titulaires
            exc.row_ids = [r.titulaire_id for r in rows]
            if on_rows_rejected is None or exc.general or not exc.per_row or len(exc.per_row) >= len(rows):
                raise exc
            on_rows_rejected({rows[i].titulaire_id: msgs for i, msgs in exc.per_row.items() if i < len(rows)})
            form.remove_titulaires(sorted(exc.per_row))
            payload = payload.without({rows[i].titulaire_id for i in exc.per_row if i < len(rows)})
            try:
                form.submit_titulaires()
                return payload
            except PortalRejected as again:
                exc = again
        exc.row_ids = [r.titulaire_id for r in payload.titulaires]
        raise exc
