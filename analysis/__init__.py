"""Analysis of finished search runs: results tables in, frontiers, tables and figures out."""
