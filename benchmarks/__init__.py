"""Benchmarks of sage-async (run with ``nox -s bench``; never part of the test run)."""
