"""Ranking results fairly: the Pareto set, per-network seed statistics and the noise rule behind every
"better" that nasx prints (search summary, `nasx confirm`, `nasx analyze`)."""
