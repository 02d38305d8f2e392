"""People and teams: who someone is, their roles, their manager, and who may read or change a deal."""
