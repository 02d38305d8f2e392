"""Slack delivery: the one gateway to the Web API, pacing, and the outbox deliverer."""
