"""structured text: a timeline entry keeps its sentence as data (Text.to_data() and its language)

Revision ID: 0010_structured_text
Revises: 0009_channel_members
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_structured_text"
down_revision = "0009_channel_members"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline") as batch:
        batch.add_column(sa.Column("body", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline") as batch:
        batch.drop_column("body")
