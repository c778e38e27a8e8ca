"""Built-in rules. They are registered through the same entry-point group as plug-ins."""

from archlint.rules.hardcoded_secret import HardcodedSecret
from archlint.rules.meta import CouldNotParse, FileSkipped, UnusedSuppression

BUILTIN_RULES = [CouldNotParse, UnusedSuppression, FileSkipped, HardcodedSecret]
