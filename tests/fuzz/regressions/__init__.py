"""Crashers the fuzzers found, kept as plain regression tests with the failing input inline."""
