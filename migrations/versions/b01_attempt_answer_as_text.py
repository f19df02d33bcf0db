"""visit attempts: the stored answer as the exact JSON text, no HTTP status

Revision ID: b01_attempt_answer_as_text
Revises: 0004
Create Date: 2026-12-04 17:30:00

A re-sent attempt is answered with exactly the bytes of its first answer. JSONB (PostgreSQL) re-orders
keys, so the answer is kept as text. Every stored attempt answers 200 (a face that was not verified is
said in the body), so the stored HTTP status goes.
"""
import sqlalchemy as sa
from alembic import op

revision = 'b01_attempt_answer_as_text'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visit_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_json', sa.Text(), nullable=True))
    op.execute("UPDATE visit_attempts SET response_json = CAST(response_body AS TEXT) WHERE response_body IS NOT NULL")
    with op.batch_alter_table('visit_attempts', schema=None) as batch_op:
        batch_op.drop_column('response_body')
        batch_op.drop_column('response_status')


def downgrade():
    with op.batch_alter_table('visit_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_status', sa.Integer(), nullable=False, server_default='200'))
        batch_op.add_column(sa.Column('response_body', sa.JSON(), nullable=True))
    op.execute("UPDATE visit_attempts SET response_body = response_json WHERE response_json IS NOT NULL")
    with op.batch_alter_table('visit_attempts', schema=None) as batch_op:
        batch_op.drop_column('response_json')
