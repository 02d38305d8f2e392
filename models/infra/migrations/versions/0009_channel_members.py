"""channel members: who is in each deal channel now, and whether that list is complete

Revision ID: 0009_channel_members
Revises: 0008_territories
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = "0009_channel_members"
down_revision = "0008_territories"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_members",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("changed_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.Column("event_at", models.infra.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_channel_members")),
    )
    op.create_table(
        "channel_rosters",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("complete_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_rosters")),
    )


def downgrade() -> None:
    op.drop_table("channel_rosters")
    op.drop_table("channel_members")
