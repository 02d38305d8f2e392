"""Territories and lead routing: who gets a new deal."""
