"""API design rules: list endpoints without pagination (ARC401)."""

from __future__ import annotations

from collections.abc import Iterable

from archlint.assemble import Endpoint, System
from archlint.location import Location
from archlint.model import Finding, Level
from archlint.rule import Option, ProjectRule
from archlint.rules.system_view import services

PAGINATION_PARAMS = [
    "limit",
    "offset",
    "page",
    "per_page",
    "page_size",
    "size",
    "page_number",
    "cursor",
    "after",
    "before",
    "starting_after",
    "ending_before",
    "next_token",
    "page_token",
    "continuation_token",
    "max_results",
    "top",
    "skip",
    "first",
    "last",
    "start",
]


def _norm(name: str) -> str:
    return name.lower().lstrip("$").replace("-", "").replace("_", "")


class MissingPagination(ProjectRule):
    """A GET endpoint that returns a whole collection in one response."""

    code = "ARC401"
    name = "missing-pagination"
    default_level = Level.WARNING
    tags = ("api-design", "performance")
    precision = "high"
    options_spec = (
        Option(
            "parameters",
            PAGINATION_PARAMS,
            "Query parameters that make a list endpoint paginated (compared without case, "
            "`_` or `-`).",
        ),
        Option(
            "max-items",
            100,
            "A collection whose schema bounds it (`maxItems`) at or below this is not reported.",
        ),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        params = {_norm(p) for p in self.options["parameters"]}
        seen: set[Location] = set()
        for svc in services(system):
            for ep in [*svc.endpoints, *svc.spec_only]:
                if not self._unbounded(ep, params):
                    continue
                site = ep.site
                if site in seen:
                    continue
                seen.add(site)
                related: list[tuple[Location, str]] = []
                if ep.spec_location is not None and ep.spec_location != site:
                    related.append((ep.spec_location, "the OpenAPI operation"))
                if ep.handler_location is not None and ep.handler_location not in (
                    site,
                    *(r[0] for r in related),
                ):
                    related.append((ep.handler_location, "the handler"))
                if ep.location != site and ep.location not in (r[0] for r in related):
                    related.append((ep.location, "the route"))
                filters = [p for p in ep.query_params if _norm(p) not in params]
                having = (
                    f" (only the filter{'s' if len(filters) > 1 else ''} {', '.join(filters)})"
                    if filters
                    else ""
                )
                yield self.finding(
                    f"GET {ep.path} of {svc.name} returns a whole collection with no pagination"
                    f"{having}: the response grows with the data until it is slow, huge or times "
                    "out. Add limit/cursor (or page/page_size) parameters with a default and a "
                    "maximum",
                    site,
                    related=related,
                    fingerprint=f"{svc.name}|GET {ep.path}",
                )

    def _unbounded(self, ep: Endpoint, params: set[str]) -> bool:
        if ep.method != "GET" or not ep.returns_list or ep.paginated:
            return False
        if any(_norm(p) in params for p in ep.query_params):
            return False
        if any(h.lower() == "link" for h in ep.response_headers):
            return False
        limit = int(self.options["max-items"])
        return not (ep.max_items is not None and ep.max_items <= limit)
