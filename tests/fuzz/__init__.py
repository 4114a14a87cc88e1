"""Fuzzing: image loading and response parsing under hypothesis-mutated inputs (issue 6)."""
