"""Page objects, one per portal page. Locators by label and role; every text comes from Labels.

They know how to read and fill a page, nothing about the store. Errors the portal shows become
`PortalRejected` (with the messages per titulaire row where the portal says which); a login page
where another page was expected becomes `PortalLoginRequired`; the maintenance page
`PortalUnavailable`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from playwright.sync_api import Locator, Page

from connector.errors import PortalLoginRequired, PortalMaintenance, PortalRejected, PortalUnavailable
from connector.portal.labels import Labels


class PortalPage:
    def __init__(self, page: Page, labels: Labels, base_url: str) -> None:
        self.page = page
        self.labels = labels
        self.base_url = base_url.rstrip("/")

    def goto(self, path: str, query: dict[str, str] | None = None) -> None:
        url = self.base_url + path + (("?" + urlencode(query)) if query else "")
        response = self.page.goto(url, wait_until="domcontentloaded")
        self.check_reachable(response.status if response else None)

    def on_login_page(self) -> bool:
        return urlsplit(self.page.url).path == self.labels.path("login")

    def check_reachable(self, status: int | None = None) -> None:
        """Raise when the portal shows its maintenance page, an error page, or the login page."""
        if status == 503 or self.page.get_by_text(self.labels["pages.maintenance_text"]).count():
            raise PortalMaintenance("The portal shows its maintenance page; nothing was sent. Try again later.")
        if status is not None and status >= 500:
            raise PortalUnavailable(f"The portal answered HTTP {status} while navigating; nothing was sent.")
        if self.on_login_page():
            raise PortalLoginRequired("The portal session has expired (the login page is shown).")

    def error_items(self) -> list[str]:
        summary = self.page.get_by_role("alert").filter(has_text=self.labels["pages.error_summary_heading"])
        if not summary.count():
            return []
        return [t.strip() for t in summary.first.get_by_role("listitem").all_inner_texts()]

    def raise_on_errors(self, where: str) -> None:
        items = self.error_items()
        if not items:
            return
        pattern = re.compile(self.labels["declaration.titulaire_error_pattern"])
        per_row: dict[int, list[str]] = {}
        general: list[str] = []
        for item in items:
            match = pattern.match(item)
            if match:
                per_row.setdefault(int(match.group(1)) - 1, []).append(item[match.end() :].strip())
            else:
                general.append(item)
        raise PortalRejected(f"The portal refused the {where}: {'; '.join(items[:5])}", general=general, per_row=per_row)


class LoginPage(PortalPage):
    def login(self, *, siret: str, nom: str, prenom: str, password: str) -> None:
        lb = self.labels
        if not self.on_login_page():
            self.goto(lb.path("login"))
        self.page.get_by_label(lb["login.siret"], exact=True).fill(siret)
        self.page.get_by_label(lb["login.nom"], exact=True).fill(nom)
        self.page.get_by_label(lb["login.prenom"], exact=True).fill(prenom)
        self.page.get_by_label(lb["login.password"], exact=True).fill(password)
        self.page.get_by_role("button", name=lb["login.submit"]).click()
        self.page.wait_for_load_state("domcontentloaded")
        if self.on_login_page():
            items = self.error_items()
            raise PortalLoginRequired(
                "The portal refused the login" + (f": {'; '.join(items)}" if items else "") + " — check the portal credentials."
            )


class DeclarationForm(PortalPage):
    """The four steps of "Déclarer une formation"."""

    def _continue(self) -> None:
        with self.page.expect_navigation(wait_until="domcontentloaded") as nav:
            self.page.get_by_role("button", name=self.labels["pages.continue_button"], exact=True).click()
        response = nav.value
        self.check_reachable(response.status if response else None)

    def _fill(self, scope: Page | Locator, code: str, value: str) -> None:
        label = self.labels.field(code)
        widget = self.labels.widget(code)
        if widget == "radio":
            choice = self.labels["declaration.yes"] if value == "OUI" else self.labels["declaration.no"]
            scope.get_by_role("group", name=label, exact=True).get_by_label(choice, exact=True).check()
        elif widget == "select":
            scope.get_by_label(label, exact=True).select_option(value=value)
        else:
            scope.get_by_label(label, exact=True).fill(value)

    def choose_type(self, kind: str) -> None:
        self.goto(self.labels.path("new_declaration"))
        group = self.page.get_by_role("group", name=self.labels["declaration.type_group"])
        group.get_by_label(self.labels[f"declaration.type_{kind}"], exact=True).check()
        self._continue()
        self.raise_on_errors("declaration type")

    def fill_training(self, fields: dict[str, str]) -> None:
        # radios first: on a JDR, "Présence d'une formation" decides which fields are shown
        ordered = sorted(fields.items(), key=lambda kv: self.labels.widget(kv[0]) != "radio")
        for code, value in ordered:
            if value:
                self._fill(self.page, code, value)
        self._continue()
        self.raise_on_errors("training part")

    def fill_titulaires(self, rows: list[dict[str, str]]) -> None:
        add = self.page.get_by_role("button", name=self.labels["declaration.add_titulaire"])
        legend = self.labels["declaration.titulaire_legend"]
        existing = self.page.get_by_role("group", name=re.compile("^" + re.escape(legend.format(n="")) + r"\d+$")).count()
        for _ in range(len(rows) - existing):
            add.dispatch_event("click")
        for n, row in enumerate(rows, start=1):
            scope = self.page.get_by_role("group", name=legend.format(n=n), exact=True)
            for code, value in sorted(row.items(), key=lambda kv: self.labels.widget(kv[0]) != "radio"):
                if value:
                    self._fill(scope, code, value)
        self.submit_titulaires()

    def submit_titulaires(self) -> None:
        self._continue()
        self.raise_on_errors("titulaires")

    def remove_titulaires(self, indices: list[int]) -> None:
        """Remove rows (0-based), the last first so that the others keep their numbers."""
        for index in sorted(indices, reverse=True):
            name = self.labels["declaration.remove_titulaire"].format(n=index + 1)
            self.page.get_by_role("button", name=name, exact=True).click()

    def at_recap(self) -> bool:
        return self.page.get_by_role("button", name=self.labels["declaration.confirm_button"]).count() > 0

    def confirm(self, timeout_ms: float) -> str:
        """The final click. Returns the reference; raises PortalRejected when the portal shows field
        errors instead (nothing recorded); anything else propagates and means "in doubt"."""
        with self.page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms) as nav:
            self.page.get_by_role("button", name=self.labels["declaration.confirm_button"]).click()
        response = nav.value
        status = response.status if response else None
        if status is not None and status >= 500:
            raise PortalUnavailable(f"The portal answered HTTP {status} to the confirmation.")
        if self.on_login_page():
            raise PortalLoginRequired("The login page was shown after the confirmation.")
        self.raise_on_errors("declaration at confirmation")
        text = self.page.get_by_text(re.compile(self.labels["declaration.reference_pattern"])).first.inner_text(timeout=timeout_ms)
        match = re.search(self.labels["declaration.reference_pattern"], text)
        if not match:
            raise PortalUnavailable("The confirmation page shows no declaration reference.")
        return match.group(1)


@dataclass(frozen=True)
class HistoryRow:
    reference: str
    kind: str
    training_name: str
    dates: str
    titulaires: int


@dataclass(frozen=True)
class HistoryTitulaire:
    masked_nir: str
    birth_name: str


class HistoryPage(PortalPage):
    def search(self, *, name: str, date_from: str, date_to: str) -> list[HistoryRow]:
        lb = self.labels
        self.goto(lb.path("history"))
        self.page.get_by_label(lb["history.search_name"], exact=True).fill(name)
        self.page.get_by_label(lb["history.search_from"], exact=True).fill(date_from)
        self.page.get_by_label(lb["history.search_to"], exact=True).fill(date_to)
        with self.page.expect_navigation(wait_until="domcontentloaded"):
            self.page.get_by_role("button", name=lb["history.search_button"]).click()
        self.check_reachable()
        rows: list[HistoryRow] = []
        while True:
            table = self.page.locator(f"#{lb['history.table_id']}")
            for tr in table.locator("tbody tr").all():
                cells = [c.strip() for c in tr.locator("th, td").all_inner_texts()]
                if len(cells) < 5:
                    continue  # "no declaration" row
                count = int(re.sub(r"\D", "", cells[4]) or 0)
                rows.append(HistoryRow(cells[0], cells[1], cells[2], cells[3], count))
            nxt = self.page.get_by_role("link", name=lb["history.next_page"])
            if not nxt.count():
                return rows
            with self.page.expect_navigation(wait_until="domcontentloaded"):
                nxt.first.click()
            self.check_reachable()

    def titulaires_of(self, reference: str) -> list[HistoryTitulaire]:
        lb = self.labels
        link = self.page.get_by_role("link", name=lb["history.view_declaration"].format(reference=reference), exact=True)
        if link.count():
            with self.page.expect_navigation(wait_until="domcontentloaded"):
                link.first.click()
        else:
            self.goto(lb.path("history") + "/" + reference)
        self.check_reachable()
        out = []
        for tr in self.page.locator(f"#{lb['history.detail_table_id']} tbody tr").all():
            cells = [c.strip() for c in tr.locator("td").all_inner_texts()]
            if len(cells) >= 2 and cells[1]:
                out.append(HistoryTitulaire(cells[0], cells[1]))
        self.page.go_back(wait_until="domcontentloaded")
        return out
