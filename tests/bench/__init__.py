"""Benchmarks. Run them through the Makefile (`make bench-routing`), not through pytest."""
