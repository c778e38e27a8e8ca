"""Built-in rules. They are registered through the same entry-point group as plug-ins."""

from archlint.rules.hardcoded_secret import HardcodedSecret
from archlint.rules.meta import CouldNotParse, FileSkipped, UnusedSuppression
from archlint.rules.openapi import InvalidOpenApi

BUILTIN_RULES = [CouldNotParse, InvalidOpenApi, UnusedSuppression, FileSkipped, HardcodedSecret]
