"""Firms, bureaus, users, roles, login and permission checks."""
