"""The sandbox Passeport de Prévention portal: the OF declaration space, simulated.

Login (Net-entreprises style), the 4-step web declaration (ADF / JDR, 1 to 50 titulaires), the
history with deletion, the mass import of official CSV files, and fault injection for tests.
docs/portal-sandbox.md describes every page, label and rule.
"""

from .app import create_portal_app
from .settings import PortalAccount, PortalSandboxSettings

__all__ = ["PortalAccount", "PortalSandboxSettings", "create_portal_app"]
