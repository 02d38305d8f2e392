"""The pipeline: ordered stages read from a TOML file or a built-in template (SPEC 4).

The model (stages, rules, resolving what a user typed) is models/pipeline/stages.py; reading and
validating a file is models/pipeline/loader.py. This package re-exports both.
"""

from __future__ import annotations

from models.pipeline.loader import DEFAULT_TEMPLATE, TEMPLATES, load_pipeline, loads_pipeline
from models.pipeline.stages import (
    APPROVER_ROLES,
    BUILTIN_REQUIREMENTS,
    INVITE_ROLES,
    MAX_STAGES,
    MIN_STAGES,
    STAGE_USAGE,
    AmbiguousStage,
    ApprovalRule,
    AssignRule,
    Pipeline,
    PipelineError,
    Stage,
    StageLookupError,
    UnknownStage,
)

__all__ = [
    "APPROVER_ROLES",
    "BUILTIN_REQUIREMENTS",
    "DEFAULT_TEMPLATE",
    "INVITE_ROLES",
    "MAX_STAGES",
    "MIN_STAGES",
    "STAGE_USAGE",
    "TEMPLATES",
    "AmbiguousStage",
    "ApprovalRule",
    "AssignRule",
    "Pipeline",
    "PipelineError",
    "Stage",
    "StageLookupError",
    "UnknownStage",
    "load_pipeline",
    "loads_pipeline",
]
