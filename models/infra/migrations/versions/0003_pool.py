"""public pool and lost-channel archiving

Revision ID: 0003_pool
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.infra.base

revision = '0003_pool'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pooled_at', models.infra.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('pool_reason', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('pool_warned_at', models.infra.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('archived_at', models.infra.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deals_pooled_at'), ['pooled_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deals_pooled_at'))
        batch_op.drop_column('archived_at')
        batch_op.drop_column('pool_warned_at')
        batch_op.drop_column('pool_reason')
        batch_op.drop_column('pooled_at')
