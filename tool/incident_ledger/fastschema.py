"""`Schema` that loads without importing jsonschema when the policy is valid.

Commands that read or change one record must start in milliseconds; see `FastSchema`.
"""

from __future__ import annotations

import json
from typing import Any

from . import yamlio
from .schema import POLICY_FILE, POLICY_SCHEMA_FILE, Schema


class FastSchema(Schema):
    """`Schema`, checking policy.yaml with jsonschema-rs when it can.

    Importing jsonschema costs about a second here (its rfc3987-syntax format checker
    builds a grammar at import), which would dwarf a commit. jsonschema-rs decides
    validity in microseconds; jsonschema still explains an invalid policy.
    """

    def _load_policy(self) -> dict[str, Any]:
        try:
            import jsonschema_rs
        except ImportError:
            return super()._load_policy()
        document = yamlio.read(self.directory / POLICY_FILE)
        meta = json.loads((self.directory / POLICY_SCHEMA_FILE).read_text(encoding="utf-8"))
        if document.problems or not jsonschema_rs.validator_for(meta).is_valid(document.data):
            return super()._load_policy()
        return document.data
