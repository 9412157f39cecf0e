"""Benchmarks of the board's pages at scale (`make bench`)."""
