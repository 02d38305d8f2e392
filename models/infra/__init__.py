"""Infrastructure the domains stand on: the database and its migrations, tables, the outbox queue,
the clock, translation, errors."""
