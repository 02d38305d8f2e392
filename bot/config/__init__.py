"""Settings and logging of the process."""
