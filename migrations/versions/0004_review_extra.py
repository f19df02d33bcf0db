"""review queue: index for sorting alerts by risk

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:00:00

The review queue (GET /alerts) sorts by score, newest first, a page at a time; without an index on
(score, occurred_at) every page sorts the whole table. Filters use the single-column indexes of 0001.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_score_occurred_at', ['score', 'occurred_at'], unique=False)


def downgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_score_occurred_at')
