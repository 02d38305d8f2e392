"""territories: membership changed by /deal territory; approval cards kept to redraw them

Revision ID: 0008_territories
Revises: 0007_approvals
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = "0008_territories"
down_revision = "0007_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_cards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["approval_requests.id"],
                                name=op.f("fk_approval_cards_request_id_approval_requests"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_cards")),
    )
    op.create_index(op.f("ix_approval_cards_request_id"), "approval_cards", ["request_id"], unique=False)
    op.create_table(
        "territory_reps",
        sa.Column("territory_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("territory_key", "user_id", name=op.f("pk_territory_reps")),
    )
    op.create_table(
        "territory_managers",
        sa.Column("territory_key", sa.String(length=64), nullable=False),
        sa.Column("manager_id", sa.String(length=32), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("territory_key", name=op.f("pk_territory_managers")),
    )


def downgrade() -> None:
    op.drop_table("territory_managers")
    op.drop_table("territory_reps")
    op.drop_index(op.f("ix_approval_cards_request_id"), table_name="approval_cards")
    op.drop_table("approval_cards")
