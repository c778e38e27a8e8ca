"""Deployment readers: docker-compose, Kubernetes manifests and .env files → DeployFacts."""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.nodes import Node

from archlint.facts import DeployFacts
from archlint.model import NamedValue


def read_compose(nodes: list[Node], path: str) -> DeployFacts | None:
    return None


def read_kubernetes(nodes: list[Node], path: str) -> DeployFacts | None:
    return None


def read_dotenv_values(values: Sequence[NamedValue], path: str) -> DeployFacts | None:
    return None
