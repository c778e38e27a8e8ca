"""ARC101 shared-database: services that share a database, or reach into another service's tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from archlint.assemble import DatabaseUseResolved, Service, System, TableRef
from archlint.location import Location
from archlint.model import Finding, Level
from archlint.resolve import DatabaseIdentity
from archlint.rule import Option, ProjectRule
from archlint.rules.system_view import deploy_location, services, table_key

_OWNING_OPS = {"create", "model"}
_USING_OPS = {"read": "reads", "write": "writes", "reference": "references", "alter": "alters"}
# Database names that code falls back to when nothing is configured: a default, not a decision.
_PLACEHOLDER_NAMES = {"", "postgres", "template1", "mysql", "test", "admin"}
_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"}
# Tables frameworks create for themselves in every database they manage.
_FRAMEWORK_TABLES = {
    "alembic_version",
    "django_migrations",
    "django_content_type",
    "django_session",
    "django_admin_log",
    "auth_permission",
    "flyway_schema_history",
    "schema_migrations",
    "databasechangelog",
    "databasechangeloglock",
}


class SharedDatabase(ProjectRule):
    """Two services on one database, or one service reading, writing or referencing a table
    another service creates."""

    code = "ARC101"
    name = "shared-database"
    default_level = Level.WARNING
    tags = ("architecture", "data-ownership")
    precision = "high"
    options_spec = (
        Option(
            "allow",
            [],
            "Databases shared on purpose: database names (`reporting`), `host/name` or "
            "`host:port/name`. Uses of these are not reported.",
        ),
        Option(
            "ignore-engines",
            ["redis", "sqlite", "memcached"],
            "Engines that are not a service's system of record (caches, brokers, local files).",
        ),
        Option(
            "tables",
            True,
            "Also report a service that reads, writes or references a table another service "
            "creates.",
        ),
    )

    def check_project(self, system: System) -> Iterable[Finding]:
        svcs = services(system)
        if len(svcs) < 2:
            return
        yield from self._shared_identities(svcs)
        if self.options["tables"]:
            yield from self._cross_service_tables(svcs)

    # -- one database, several services --------------------------------------------------------
    def _counted(self, ident: DatabaseIdentity | None) -> bool:
        if ident is None or ident.engine in self.options["ignore-engines"]:
            return False
        if not ident.name:
            return False  # the server is known, the database is chosen elsewhere (client["db"])
        if ident.host.lower() in _LOCAL_HOSTS and ident.name.lower() in _PLACEHOLDER_NAMES:
            return False
        return not self._allowed(ident)

    def _allowed(self, ident: DatabaseIdentity) -> bool:
        allowed = {str(a).lower() for a in self.options["allow"]}
        names = {
            ident.name.lower(),
            f"{ident.host}/{ident.name}".lower(),
            f"{ident.host}:{ident.port}/{ident.name}".lower(),
            ident.label.lower(),
        }
        return bool(allowed & names)

    def _shared_identities(self, svcs: list[Service]) -> Iterable[Finding]:
        users: dict[DatabaseIdentity, dict[str, list[DatabaseUseResolved]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for svc in svcs:
            for use in svc.databases:
                if self._counted(use.identity):
                    assert use.identity is not None
                    users[use.identity][svc.name].append(use)
        creators = _table_creators(svcs)
        idents = {
            s.name: {
                u.identity
                for u in s.databases
                if u.identity is not None
                and u.identity.engine not in self.options["ignore-engines"]
            }
            for s in svcs
        }
        for ident, by_service in sorted(users.items(), key=lambda kv: kv[0].label):
            if len(by_service) < 2:
                continue
            names = sorted(by_service)
            # The owner creates tables and has no other database they could be in.
            makers = {s for s in names if creators.get(s) and idents[s] == {ident}}
            intruders = [s for s in names if s not in makers] or names
            primary_service = intruders[-1]
            sites = {
                s: [u.location for u in by_service[s] if u.location is not None] for s in names
            }
            svc_of = {s.name: s for s in svcs}
            primary = min(sites[primary_service], default=None) or deploy_location(
                svc_of[primary_service]
            )
            if primary is None:
                continue
            related: list[tuple[Location, str]] = []
            for s in names:
                for loc in sorted(set(sites[s])):
                    if loc != primary:
                        related.append((loc, f"{s} connects to {ident.label} here"))
            owner_note = (
                f"; {', '.join(sorted(makers))} create{'s' if len(makers) == 1 else ''} its tables"
                if makers and len(makers) < len(names)
                else ""
            )
            yield self.finding(
                f"database {_show(ident)} is shared by services {_and(names)}{owner_note}: a "
                "schema change in one breaks the others, and neither can be scaled, migrated or "
                "restored on its own. Give each service its own database and expose the data "
                "through an API or events",
                primary,
                related=related,
                fingerprint=f"{ident.label}|{'|'.join(names)}",
            )

    # -- one service in another service's tables ----------------------------------------------
    def _cross_service_tables(self, svcs: list[Service]) -> Iterable[Finding]:
        creators = _table_creators(svcs)
        owners: dict[str, dict[str, TableRef]] = defaultdict(dict)
        for svc_name, refs in creators.items():
            for ref in refs:
                owners[table_key(ref.table)].setdefault(svc_name, ref)
        idents = {
            s.name: {
                u.identity
                for u in s.databases
                if u.identity is not None
                and u.identity.engine not in self.options["ignore-engines"]
            }
            for s in svcs
        }
        for svc in svcs:
            used: dict[str, list[TableRef]] = defaultdict(list)
            for ref in svc.tables:
                if ref.op in _USING_OPS:
                    used[table_key(ref.table)].append(ref)
            for table, refs in sorted(used.items()):
                if table in _FRAMEWORK_TABLES:
                    continue
                table_owners = owners.get(table, {})
                if not table_owners or svc.name in table_owners:
                    continue
                mine = idents[svc.name]
                # Owners whose database may be this one (a table of the same name in another
                # database is a different table).
                others = sorted(
                    o for o in table_owners if not (mine and idents[o] and not mine & idents[o])
                )
                if not others:
                    continue
                if any(self._allowed(i) for o in others for i in mine & idents[o]):
                    continue
                refs.sort(key=lambda r: (r.location.path, r.location.line, r.location.column))
                first = refs[0]
                ops = sorted({_USING_OPS[r.op] for r in refs}, key=list(_USING_OPS.values()).index)
                owner_ref = table_owners[others[0]]
                related = [(owner_ref.location, f"{others[0]} creates table {first.table} here")]
                related += [
                    (r.location, f"{svc.name} {_USING_OPS[r.op]} {r.table} here")
                    for r in refs[1:10]
                ]
                yield self.finding(
                    f"service {svc.name} {_and(ops)} table {first.table}, which belongs to "
                    f"{_and(others)}: the two services are now coupled through that table's "
                    f"schema. Ask {others[0]} for the data through its API or events instead",
                    first.location,
                    related=related,
                    fingerprint=f"{svc.name}|{table}|{'|'.join(others)}",
                )


def _table_creators(svcs: list[Service]) -> dict[str, list[TableRef]]:
    out: dict[str, list[TableRef]] = {}
    for svc in svcs:
        refs = [t for t in svc.tables if t.op in _OWNING_OPS]
        if refs:
            out[svc.name] = sorted(refs, key=lambda r: (r.location.path, r.location.line))
    return out


def _show(ident: DatabaseIdentity) -> str:
    if ident.engine == "sqlite":
        return ident.label
    port = f":{ident.port}" if ident.port else ""
    return f"{ident.engine} {ident.host}{port}/{ident.name}"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
