"""`/deal` and its subcommands: each declared once in the module of its subject (spec.py says how), listed
in table.py (the parser, help and router), run by entry.py through the runner (bot/runtime/runner.py)."""
