"""Declares health-and-safety trainings from Dendreo in the Passeport de Prévention."""

__version__ = "0.1.0"
