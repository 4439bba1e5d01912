"""graphinv: a graph-based investigator of counterfeit-selling networks.

Flow: files -> :mod:`graphinv.ingest` -> :mod:`graphinv.store` -> :mod:`graphinv.analysis`
-> :mod:`graphinv.render`. The CLI (:mod:`graphinv.cli`) only wires these together.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
