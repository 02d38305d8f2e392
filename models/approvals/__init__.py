"""Approvals (SPEC 12): requests that hold a stage move until someone decides."""
