"""Fixtures and helpers more than one area's tests reuse (a real server process, a private PostgreSQL)."""
