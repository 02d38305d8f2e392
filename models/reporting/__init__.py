"""Reports, digests, quotas and App Home's figures: set-based SQL."""
