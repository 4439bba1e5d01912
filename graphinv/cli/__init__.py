"""Command-line interface: wires ingest, store, analysis and render together."""
