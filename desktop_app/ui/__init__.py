"""Widgets only: they display state and forward intent to the core."""
