"""Deals: creating and changing them, their timeline, their Slack effects, the public pool."""
