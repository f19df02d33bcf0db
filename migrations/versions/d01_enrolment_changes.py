"""enrolment changes: every change of a face gallery, with its requester and approver; retake reasons

Revision ID: d01_enrolment_changes
Revises: h01_attempt_numbers
Create Date: 2026-12-04 17:20:00

A re-enrolment by an agency waits for a second person (issue 16/17); each applied change compares
the new gallery with the caregiver's verified selfies (rule F04, enrolment swap).
"""
from alembic import op
import sqlalchemy as sa

import field_app.models.types  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = 'd01_enrolment_changes'
down_revision = 'h01_attempt_numbers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enrolment_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caregiver_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('requested_at', field_app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', field_app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('samples', field_app.models.types.JSONType, nullable=False),
    sa.Column('quality', field_app.models.types.JSONType, nullable=False),
    sa.Column('past_selfies', sa.Integer(), nullable=True),
    sa.Column('past_distance', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['caregiver_id'], ['caregivers.id'], name=op.f('fk_enrolment_changes_caregiver_id_caregivers')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_enrolment_changes_requested_by_users')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_enrolment_changes_decided_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_changes'))
    )
    with op.batch_alter_table('enrolment_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_changes_caregiver_id'), ['caregiver_id'], unique=False)
    with op.batch_alter_table('visit_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retake_reasons', field_app.models.types.JSONType, nullable=True))
    with op.batch_alter_table('face_enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_face_enrolments_change_id_enrolment_changes'), 'enrolment_changes', ['change_id'], ['id'])


def downgrade():
    with op.batch_alter_table('visit_attempts', schema=None) as batch_op:
        batch_op.drop_column('retake_reasons')
    with op.batch_alter_table('face_enrolments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_face_enrolments_change_id_enrolment_changes'), type_='foreignkey')
        batch_op.drop_column('change_id')
    with op.batch_alter_table('enrolment_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_changes_caregiver_id'))
    op.drop_table('enrolment_changes')
