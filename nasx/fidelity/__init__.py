"""Proxy fidelity: how well a cheap training protocol ranks architectures against a longer one.

`spec` holds the study's knobs (rungs, seeds, architectures), `draw` picks architectures spread over a space's MACs
range, `ladder` turns both into the trial configs (every candidate at every rung under every seed) the driver runs.
The rank statistics and the report live in analysis/ (nasx.analysis.fidelity).
"""
