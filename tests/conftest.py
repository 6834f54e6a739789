"""Shared pytest fixtures for the whole suite. App-specific fixtures live in tests/<app>/conftest.py."""
