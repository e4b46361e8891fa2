"""Realistic synthetic grievances for tests, demos and benchmarks (`python -m synthetic --help`)."""
