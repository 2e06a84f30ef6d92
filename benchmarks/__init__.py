"""Benchmarks and timings, run from the project root as modules: ``python -m benchmarks.<name>``."""
