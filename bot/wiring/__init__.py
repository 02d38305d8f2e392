"""The composition root: the CLI, the HTTP server, Socket Mode, the manifest."""
