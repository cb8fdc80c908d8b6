"""The team desk: the same interface as core.desk.Desk, over the team server's /api/v1/."""
