"""Outreach: approved key messages sent through every channel (issue 7)."""
