"""Latency of the network that ships: full-scale measurements on this device, cached so none is made twice."""
