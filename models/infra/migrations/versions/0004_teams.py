"""teams: audit of role and manager changes, round-robin counters of lead assignment

Revision ID: 0004_teams
Revises: 0003_pool
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = "0004_teams"
down_revision = "0003_pool"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", models.infra.base.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("change", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_changes")),
    )
    op.create_index(op.f("ix_people_changes_at"), "people_changes", ["at"], unique=False)
    op.create_index(op.f("ix_people_changes_user_id"), "people_changes", ["user_id"], unique=False)
    op.create_table(
        "assign_counters",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_assign_counters")),
    )


def downgrade() -> None:
    op.drop_table("assign_counters")
    op.drop_index(op.f("ix_people_changes_user_id"), table_name="people_changes")
    op.drop_index(op.f("ix_people_changes_at"), table_name="people_changes")
    op.drop_table("people_changes")
