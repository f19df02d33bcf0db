"""attempts: numbered per visit end (the cap in the database), attempt ids per caregiver

Revision ID: h01_attempt_numbers
Revises: b01_attempt_answer_as_text
Create Date: 2026-12-04 17:00:00

- ``attempt_no``: 1, 2, 3 ... per (visit, kind), unique: two parallel attempts that both read "2 made"
  both try number 3 and the database lets one of them in, so at most FACE_MAX_ATTEMPTS are ever stored
  (the service refuses a number above the cap). Existing rows are numbered in id order.
- ``attempt_id`` is unique per caregiver instead of globally: another caregiver's id is simply a new
  attempt of theirs, so it reveals nothing about other people's attempts (issue 17, finding 11).
"""

import sqlalchemy as sa
from alembic import op

revision = "h01_attempt_numbers"
down_revision = "b01_attempt_answer_as_text"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("visit_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt_no", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE visit_attempts SET attempt_no = (SELECT COUNT(*) FROM visit_attempts AS earlier "
        "WHERE earlier.visit_id = visit_attempts.visit_id AND earlier.kind = visit_attempts.kind "
        "AND earlier.id <= visit_attempts.id)"
    )
    with op.batch_alter_table("visit_attempts", schema=None) as batch_op:
        batch_op.alter_column("attempt_no", existing_type=sa.Integer(), nullable=False, server_default="1")
        batch_op.drop_constraint("uq_visit_attempts_uuid", type_="unique")
        batch_op.create_unique_constraint("uq_visit_attempts_caregiver_id_uuid", ["caregiver_id", "uuid"])
        batch_op.create_unique_constraint(
            "uq_visit_attempts_visit_id_kind_attempt_no", ["visit_id", "kind", "attempt_no"]
        )
        batch_op.create_check_constraint("ck_visit_attempts_attempt_no_positive", "attempt_no >= 1")
        batch_op.create_index("ix_visit_attempts_uuid", ["uuid"], unique=False)


def downgrade():
    with op.batch_alter_table("visit_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_attempts_uuid")
        batch_op.drop_constraint("ck_visit_attempts_attempt_no_positive", type_="check")
        batch_op.drop_constraint("uq_visit_attempts_visit_id_kind_attempt_no", type_="unique")
        batch_op.drop_constraint("uq_visit_attempts_caregiver_id_uuid", type_="unique")
        batch_op.create_unique_constraint("uq_visit_attempts_uuid", ["uuid"])
        batch_op.drop_column("attempt_no")
