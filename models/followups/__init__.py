"""Follow-ups, notes, reminders and nudges."""
