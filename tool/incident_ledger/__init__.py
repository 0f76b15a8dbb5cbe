"""Incident Ledger: IT incidents recorded as YAML files in git."""
