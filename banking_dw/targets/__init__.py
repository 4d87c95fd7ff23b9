"""The targets: each module returns its target's whole resource set, and nothing else in banking_dw
knows a target's classes (`make lint` checks it with import-linter, .importlinter)."""

from __future__ import annotations

from banking_dw.settings import Target
from banking_dw.targets.resource_set import TargetResources


def resources_for(target: Target) -> TargetResources:
    """The target's resource set, configured from the environment as it is now."""
    # Each imported only when asked for: the local target never loads boto3 and dagster-aws.
    if target is Target.AWS:
        from banking_dw.targets.aws import aws_resources

        return aws_resources()
    from banking_dw.targets.local import local_resources

    return local_resources()
