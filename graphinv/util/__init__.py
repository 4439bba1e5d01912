"""Ground-floor utilities shared by every layer (ingest writes rejects, render writes exports).

Nothing here imports ingest, store, analysis or render (tests/test_layers.py checks).
"""

__all__: list[str] = []
