"""The connector's exception tree. The CLI turns each into one clear sentence and an exit code.

    ConnectorError
    ├── ConfigError                 a setting is missing or wrong (exit 2)
    ├── StoreError                  the state store cannot be used (exit 3)
    │   └── RunLockedError          another run holds the run lock (exit 4)
    ├── SourceError                 Dendreo could not be read (exit 5)
    │   ├── SourceAuthError         401: key missing, wrong, or without read right on a resource
    │   └── SourceResponseError     an answer that is not the JSON we expect (HTML page, 4xx/5xx)
    └── PortalError                 the Passeport portal could not be used (exit 6)
        ├── PortalLoginRequired     no valid session and no credentials to log in again
        ├── PortalUnavailable       5xx before the final click, an unexpected page
        │   └── PortalMaintenance   the portal shows its maintenance page
        ├── PortalRejected          the portal refused a declaration (field errors)
        └── SubmissionInDoubt       the outcome of a final click is unknown
"""

from __future__ import annotations


class ConnectorError(Exception):
    exit_code = 1


class ConfigError(ConnectorError):
    exit_code = 2


class StoreError(ConnectorError):
    exit_code = 3


class RunLockedError(StoreError):
    exit_code = 4


class SourceError(ConnectorError):
    exit_code = 5


class SourceAuthError(SourceError):
    pass


class SourceResponseError(SourceError):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PortalError(ConnectorError):
    exit_code = 6


class PortalLoginRequired(PortalError):
    pass


class PortalUnavailable(PortalError):
    pass


class PortalMaintenance(PortalUnavailable):
    pass


class PortalRejected(PortalError):
    def __init__(self, message: str, *, general: list[str] | None = None, per_row: dict[int, list[str]] | None = None):
        super().__init__(message)
        self.general = general or []
        #: 0-based row number in the form → the portal's messages for that titulaire
        self.per_row = per_row or {}
        #: titulaire ids of the form's rows when the errors were shown (set by the form channel)
        self.row_ids: list[int] | None = None


class SubmissionInDoubt(PortalError):
    pass
