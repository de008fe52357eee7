"""Proxy fidelity: how well a cheap training protocol ranks architectures against a longer one.

`spec` holds the study's knobs (rungs, seeds, architectures), `draw` picks architectures spread over
a space's MACs range, `trials` turns both into the trial configs the Ray runner trains. The rank
statistics and the report live in analysis/ (nasx.analysis.fidelity).
"""
