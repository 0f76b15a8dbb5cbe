"""Records in the formats other tools read: tables (JSON, NDJSON, CSV), Four Keys, STIX 2.1."""
