"""The Dendreo API sandbox: a generated account (generator) served over HTTP (app).

    dataset = generate(seed=1, sessions=2000, months=12, today=date.today())
    with serve_in_thread(create_dendreo_app(dataset)) as server:
        base_url = f"{server.url}/acme/api"

See docs/dendreo-sandbox.md.
"""

from connector.sandbox.dendreo.app import create_dendreo_app
from connector.sandbox.dendreo.data import DendreoDataset
from connector.sandbox.dendreo.generator import PROBLEM_KINDS, demo_dataset, generate

__all__ = ["PROBLEM_KINDS", "DendreoDataset", "create_dendreo_app", "demo_dataset", "generate"]
