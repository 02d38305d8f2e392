"""Deals: creating and changing them (service), moving them through the pipeline (moves), the public pool."""
