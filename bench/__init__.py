"""Benchmarks of the gateway over the reference services on loopback (``make bench``)."""
