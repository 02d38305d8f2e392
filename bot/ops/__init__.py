"""Operator commands: backup, export, the outbox, digests now."""
