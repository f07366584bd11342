"""Benchmarks and quality evaluations of newsetl (not part of the installed package)."""
