"""The assemble stage: from every file's facts to one model of the system.

For now the System holds the files' facts and the configured services; the model issue adds
services, endpoints, calls, databases and tables, built here from facts alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archlint.model import FileFacts


@dataclass
class System:
    """What project rules see. Built from facts only: no file is re-read or re-parsed here."""

    root: Path
    files: dict[str, FileFacts] = field(default_factory=dict)
    configured_services: dict[str, dict[str, Any]] = field(default_factory=dict)


def assemble(
    root: Path, facts: Sequence[FileFacts], services: Mapping[str, Mapping[str, Any]]
) -> System:
    return System(
        root=root,
        files={f.path: f for f in facts},
        configured_services={k: dict(v) for k, v in services.items()},
    )
