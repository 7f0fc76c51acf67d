"""Benchmarks: scripts that print figures (run as `python bench/NAME.py`); they share fakes/ with the tests."""
