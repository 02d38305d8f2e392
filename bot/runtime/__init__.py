"""What a running bot hands every request: its dependencies."""
