"""Persistence: the unit of work and its after-commit work, unique keys, column types, list
filters and pages, and the exact cache of answers."""
