"""Webhooks: the secretariat's integrations told, by signed HTTP POSTs, when a submission is
submitted or accepted and when a report is published (docs/webhooks.md)."""
