"""The YAML loader the reader builds on: libyaml's C parser when present, and marks.

The loader leaves every value untyped (our own walk in `build` types them, strictly), so
it tags each untagged node with a sentinel: any other tag was written in the file.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode, SequenceNode

KeyPath = tuple[str | int, ...]
Location = tuple[int, int]

MAX_DEPTH = 64

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LIBYAML = _Base is not yaml.SafeLoader

# Sentinel tags our resolver gives to untagged nodes: any other tag on a node was
# written explicitly in the file (`!!binary`, `!!python/object`, `!!str`...).
PLAIN = "tag:incident-ledger:plain"
QUOTED = "tag:incident-ledger:quoted"
MAP = "tag:incident-ledger:map"
SEQ = "tag:incident-ledger:seq"


class Loader(_Base):  # type: ignore[misc]
    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else QUOTED
        return SEQ if kind is SequenceNode else MAP

    # The composer calls these two for every node, for path resolvers (PyYAML's
    # add_path_resolver), which `resolve` above never consults: as no-ops they spare
    # about a tenth of the composing.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def mark(node_or_mark: Any) -> Location:
    """Line and column (from 1) where a node, event or mark starts."""
    found = getattr(node_or_mark, "start_mark", node_or_mark)
    return (found.line + 1, found.column + 1)
