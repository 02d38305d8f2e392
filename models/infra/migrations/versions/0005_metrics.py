"""quotas, digests sent, report indexes

Revision ID: 0005_metrics
Revises: 0004_teams
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = "0005_metrics"
down_revision = "0004_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quotas",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "period_kind", "period_start", name=op.f("pk_quotas")),
    )
    op.create_table(
        "digests_sent",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "local_date", "kind", name=op.f("pk_digests_sent")),
    )
    op.create_index("ix_deals_owner_closed", "deals", ["owner_id", "closed_at"])
    op.create_index("ix_deals_owner_created", "deals", ["owner_id", "created_at"])
    op.create_index("ix_deals_closed_at", "deals", ["closed_at"])
    op.create_index("ix_deals_created_at", "deals", ["created_at"])
    op.create_index("ix_followups_owner_open", "followups", ["owner_id", "done_at", "due_at"])
    op.create_index("ix_timeline_at", "timeline", ["at"])


def downgrade() -> None:
    op.drop_index("ix_timeline_at", table_name="timeline")
    op.drop_index("ix_followups_owner_open", table_name="followups")
    op.drop_index("ix_deals_created_at", table_name="deals")
    op.drop_index("ix_deals_closed_at", table_name="deals")
    op.drop_index("ix_deals_owner_created", table_name="deals")
    op.drop_index("ix_deals_owner_closed", table_name="deals")
    op.drop_table("digests_sent")
    op.drop_table("quotas")
