"""Built-in rules. They are registered through the same entry-point group as plug-ins."""

from archlint.rules.api_design import MissingPagination
from archlint.rules.communication import (
    BlockingCallInAsync,
    CallWithoutTimeout,
    DependencyCycle,
    SyncCallChain,
)
from archlint.rules.data_ownership import SharedDatabase
from archlint.rules.hardcoded_secret import HardcodedSecret
from archlint.rules.meta import CouldNotParse, FileSkipped, UnusedSuppression
from archlint.rules.migration_safety import MIGRATION_RULES
from archlint.rules.openapi import InvalidOpenApi
from archlint.rules.operability import (
    MissingHealthEndpoint,
    MissingMetricsEndpoint,
    MissingReadinessEndpoint,
    ProbePathNotServed,
)

BUILTIN_RULES = [
    CouldNotParse,
    InvalidOpenApi,
    UnusedSuppression,
    FileSkipped,
    SharedDatabase,
    SyncCallChain,
    DependencyCycle,
    CallWithoutTimeout,
    BlockingCallInAsync,
    MissingHealthEndpoint,
    MissingReadinessEndpoint,
    MissingMetricsEndpoint,
    ProbePathNotServed,
    MissingPagination,
    HardcodedSecret,
    *MIGRATION_RULES,
]
