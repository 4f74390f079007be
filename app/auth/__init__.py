"""Accounts, role profiles and tokens."""
