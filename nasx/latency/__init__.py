"""Latency of the network that ships: measured whole, or predicted from a per-block latency table."""
