"""The `schema` rule: a record matches schemas/incident.schema.json.

jsonschema (and jsonschema-rs, which decides validity faster) checks it in
`schema.Schema.problems`, which reports under the id declared here; this module imports
nothing so the schema loader can.
"""

from __future__ import annotations

from .base import Example, Kind, Rule, clean_doc

SCHEMA = Rule(
    "schema",
    Kind.SCHEMA,
    clean_doc(
        """The record matches schemas/incident.schema.json.

        Reported when a field its stage requires is missing, a field name is unknown (a
        typo such as `severty` does not pass silently), a value is not one of the allowed
        ones, or a timestamp, date or URL is malformed (timestamps are quoted ISO-8601 with a T and a
        zone, dates are `YYYY-MM-DD`)."""
    ),
    failing=Example("severty: SEV2\n"),
    passing=Example("severity: SEV2\n"),
)
