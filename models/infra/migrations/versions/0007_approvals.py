"""approvals: moves held until an approver agrees (SPEC 12)

Revision ID: 0007_approvals
Revises: 0006_reliability
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = "0007_approvals"
down_revision = "0006_reliability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("from_stage", sa.String(length=64), nullable=False),
        sa.Column("to_stage", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.Column("remind_at", models.infra.base.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", models.infra.base.UTCDateTime(), nullable=True),
        sa.Column("decided_at", models.infra.base.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_approval_requests_deal_id_deals"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    op.create_index(op.f("ix_approval_requests_deal_id"), "approval_requests", ["deal_id"], unique=False)
    op.create_index("ix_approval_requests_status_expires", "approval_requests", ["status", "expires_at"])
    op.create_index("ix_approval_requests_status_remind", "approval_requests", ["status", "remind_at"])


def downgrade() -> None:
    op.drop_index("ix_approval_requests_status_remind", table_name="approval_requests")
    op.drop_index("ix_approval_requests_status_expires", table_name="approval_requests")
    op.drop_index(op.f("ix_approval_requests_deal_id"), table_name="approval_requests")
    op.drop_table("approval_requests")
