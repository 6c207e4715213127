"""Campaigns: audience filters, planning, cooldown, quiet hours, the feeder, reminders,
expiry, figures and the API's transactional surveys (docs/campaigns.md)."""
