"""Generators: a few numbers in, an ArchSpec out (compound scaling, RegNet, ResNe(X)t)."""
