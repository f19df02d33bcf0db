"""audio/video evidence: clips, resumable uploads, live clip requests

Revision ID: e02_clips
Revises: e01_evidence_log
Create Date: 2026-12-04 17:40:00
"""

import sqlalchemy as sa
from alembic import op

import field_app.models.types  # noqa: F401  (custom column types)

revision = "e02_clips"
down_revision = "e01_evidence_log"
branch_labels = None
depends_on = None

UTC = field_app.models.types.UTCDateTime(timezone=True)
JSON = field_app.models.types.JSONType


def upgrade():
    op.create_table(
        "clip_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("deadline", UTC, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_clip_requests_visit_id_visits")),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_clip_requests_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clip_requests")),
    )
    for col in ("visit_id", "deadline", "status"):
        op.create_index(op.f(f"ix_clip_requests_{col}"), "clip_requests", [col])
    op.create_table(
        "clips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("caregiver_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("container", sa.String(length=64), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("video_codec", sa.String(length=32), nullable=True),
        sa.Column("audio_codec", sa.String(length=32), nullable=True),
        sa.Column("media_created_at", UTC, nullable=True),
        sa.Column("keyframe_hashes", JSON, nullable=False),
        sa.Column("audio_fingerprint", JSON, nullable=False),
        sa.Column("storage", sa.String(length=8), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("purged_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_clips_visit_id_visits")),
        sa.ForeignKeyConstraint(
            ["caregiver_id"], ["caregivers.id"], name=op.f("fk_clips_caregiver_id_caregivers")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["clip_requests.id"], name=op.f("fk_clips_request_id_clip_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clips")),
    )
    for col in ("visit_id", "caregiver_id", "sha256", "received_at"):
        op.create_index(op.f(f"ix_clips_{col}"), "clips", [col])
    op.create_table(
        "clip_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("caregiver_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_clip_uploads_visit_id_visits")),
        sa.ForeignKeyConstraint(
            ["caregiver_id"], ["caregivers.id"], name=op.f("fk_clip_uploads_caregiver_id_caregivers")
        ),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], name=op.f("fk_clip_uploads_clip_id_clips")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["clip_requests.id"], name=op.f("fk_clip_uploads_request_id_clip_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clip_uploads")),
    )
    op.create_index(op.f("ix_clip_uploads_visit_id"), "clip_uploads", ["visit_id"])


def downgrade():
    op.drop_table("clip_uploads")
    op.drop_table("clips")
    op.drop_table("clip_requests")
