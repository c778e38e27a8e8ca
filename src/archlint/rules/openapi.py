"""ARC002 invalid-openapi: an OpenAPI document that does not follow its specification."""

from __future__ import annotations

import re
from collections.abc import Iterable

from archlint.model import FileKind, Finding, Level, Location, Mask
from archlint.rule import FileContext, FileRule, mask_location

MAX_REMOTE_REF_NOTES = 20
_USERINFO_RE = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.I)


class InvalidOpenApi(FileRule):
    """Reports the validation problems the OpenAPI reader stored, and each remote `$ref` it did
    not follow (as a note)."""

    code = "ARC002"
    name = "invalid-openapi"
    default_level = Level.WARNING
    file_kinds = frozenset({FileKind.OPENAPI})
    tags = ("meta", "openapi")
    precision = "very-high"

    def check_file(self, ctx: FileContext) -> Iterable[Finding]:
        facts = ctx.facts.openapi
        if facts is None:
            return
        for message, location in facts.problems:
            yield self.finding(message, location, fingerprint=message)
        refs = facts.remote_refs
        for ref, location in refs[:MAX_REMOTE_REF_NOTES]:
            shown = show_ref(ref)
            yield self.finding(
                f"$ref '{shown}' was not followed: archlint never fetches remote or file "
                "references, so what it points to is not checked",
                location,
                level=Level.NOTE,
                masks=_credential_masks(ctx, ref, location),
                fingerprint=shown,
            )
        if len(refs) > MAX_REMOTE_REF_NOTES:
            ref, location = refs[MAX_REMOTE_REF_NOTES]
            yield self.finding(
                f"{len(refs) - MAX_REMOTE_REF_NOTES} more remote or file $refs were not followed",
                location,
                level=Level.NOTE,
                fingerprint="more remote refs",
            )


def _credential_masks(ctx: FileContext, ref: str, location: Location) -> tuple[Mask, ...]:
    """Hide `user:password` of a URL in code frames (the whole reference if it cannot be
    found verbatim, e.g. written with escapes)."""
    match = _USERINFO_RE.match(ref)
    if match is None:
        return ()
    userinfo = ref[len(match.group(1)) : match.end() - 1]
    span = ctx.narrow(location, userinfo)
    return mask_location(location if span == location else span)


def show_ref(ref: str) -> str:
    """A reference as it may be shown: credentials in a URL masked, long ones shortened."""
    ref = _USERINFO_RE.sub(r"\1***@", ref)
    return ref if len(ref) <= 100 else ref[:99] + "…"
