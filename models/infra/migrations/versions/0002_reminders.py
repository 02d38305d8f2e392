"""reminders, lead-score SLAs, stale nudges

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEAL_MARKERS = ("sla_warn_at", "sla_due_at", "sla_met_at", "sla_warned_at", "sla_escalated_at", "nurture_due_at",
                "nurture_reminded_at", "stale_nudged_at")


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        for name in DEAL_MARKERS:
            batch_op.add_column(sa.Column(name, models.infra.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("early_sent_at", models.infra.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("due_sent_at", models.infra.base.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_followups_due_unsent", ["due_sent_at", "due_at"], unique=False)
        batch_op.create_index("ix_followups_early_unsent", ["early_sent_at", "early_reminder_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_early_unsent")
        batch_op.drop_index("ix_followups_due_unsent")
        batch_op.drop_column("due_sent_at")
        batch_op.drop_column("early_sent_at")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        for name in reversed(DEAL_MARKERS):
            batch_op.drop_column(name)
