"""reliability: parked outbox rows alerted once; periodic jobs run once across processes

Revision ID: 0006_reliability
Revises: 0005_metrics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = "0006_reliability"
down_revision = "0005_metrics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alerted_at", models.infra.base.UTCDateTime(), nullable=True))
    op.create_table(
        "maintenance_runs",
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("started_at", models.infra.base.UTCDateTime(), nullable=False),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("job", "period", name=op.f("pk_maintenance_runs")),
    )


def downgrade() -> None:
    op.drop_table("maintenance_runs")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("alerted_at")
