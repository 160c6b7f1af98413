"""Compiled progress reports (built by the reporting jobs)."""
