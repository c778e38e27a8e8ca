"""OpenAPI reader (Swagger 2.0, OpenAPI 3.0 / 3.1): operations with exact lines."""

from __future__ import annotations

from ruamel.yaml.nodes import Node

from archlint.facts import OpenApiFacts


def read_openapi_yaml(nodes: list[Node], text: str, path: str) -> OpenApiFacts | None:
    return None


def read_openapi_json(data: object, text: str, path: str) -> OpenApiFacts | None:
    return None
