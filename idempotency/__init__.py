"""Idempotency-Key on the API's POSTs: a retried create answers what the first one did, once."""
