"""Infrastructure the domains stand on: the database and its migrations, tables, the outbox queue and the
Slack side effects queued on it, the clock, translation and the words of a sentence, the timeline, errors."""
