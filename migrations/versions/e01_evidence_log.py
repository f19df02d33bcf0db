"""evidence log: Merkle leaves, perfect-subtree nodes, signed tree heads; the selfie's SHA-256

Revision ID: e01_evidence_log
Revises: d01_enrolment_changes
Create Date: 2026-12-04 17:30:00

The three evidence tables are append-only at the database level (as audit_log is): nodes and heads
refuse UPDATE and DELETE; a leaf refuses DELETE and any UPDATE except its sequencing (seq NULL -> n).
"""

import sqlalchemy as sa
from alembic import op

import field_app.models.types  # noqa: F401  (custom column types)

revision = "e01_evidence_log"
down_revision = "d01_enrolment_changes"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = field_app.models.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "evidence_leaves",
        sa.Column("id", BigId, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_leaves")),
        sa.UniqueConstraint("seq", name=op.f("uq_evidence_leaves_seq")),
    )
    op.create_index("ix_evidence_leaves_table_key", "evidence_leaves", ["table_name", "row_key"])
    op.create_index(op.f("ix_evidence_leaves_visit_id"), "evidence_leaves", ["visit_id"])
    op.create_table(
        "evidence_nodes",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_evidence_nodes")),
    )
    op.create_table(
        "evidence_tree_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("tsa_response", sa.LargeBinary(), nullable=True),
        sa.Column("tsa_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_tree_heads")),
    )
    op.create_index(op.f("ix_evidence_tree_heads_tree_size"), "evidence_tree_heads", ["tree_size"])
    with op.batch_alter_table("visit_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("selfie_sha256", sa.String(length=64), nullable=True))
    _append_only()


def _append_only():
    if op.get_bind().dialect.name == "postgresql":
        # A trail batch's leaf is ~5 kB of hex hashes: incompressible, so TOAST without trying pglz.
        op.execute("ALTER TABLE evidence_leaves ALTER COLUMN data SET STORAGE EXTERNAL")
        op.execute("""
            CREATE FUNCTION evidence_refuse_change() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE FUNCTION evidence_leaf_sequence_only() RETURNS trigger AS $$
            BEGIN
              IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.id = OLD.id AND NEW.data = OLD.data
                 AND NEW.leaf_hash = OLD.leaf_hash AND NEW.table_name = OLD.table_name THEN RETURN NEW; END IF;
              RAISE EXCEPTION 'evidence_leaves is append-only (only seq may be set, once)';
            END; $$ LANGUAGE plpgsql""")
        for table in ("evidence_nodes", "evidence_tree_heads"):
            op.execute(f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()""")
        op.execute("""CREATE TRIGGER evidence_leaves_no_delete BEFORE DELETE ON evidence_leaves
                      FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()""")
        op.execute("""CREATE TRIGGER evidence_leaves_sequence_only BEFORE UPDATE ON evidence_leaves
                      FOR EACH ROW EXECUTE FUNCTION evidence_leaf_sequence_only()""")
        return
    for table in ("evidence_nodes", "evidence_tree_heads"):
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
                           BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")
    op.execute("""CREATE TRIGGER evidence_leaves_no_delete BEFORE DELETE ON evidence_leaves
                  BEGIN SELECT RAISE(ABORT, 'evidence_leaves is append-only'); END""")
    op.execute("""CREATE TRIGGER evidence_leaves_sequence_only BEFORE UPDATE ON evidence_leaves
                  WHEN NOT (OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.id = OLD.id
                            AND NEW.data = OLD.data AND NEW.leaf_hash = OLD.leaf_hash)
                  BEGIN SELECT RAISE(ABORT, 'evidence_leaves is append-only (only seq may be set, once)'); END""")


def downgrade():
    with op.batch_alter_table("visit_attempts", schema=None) as batch_op:
        batch_op.drop_column("selfie_sha256")
    op.drop_table("evidence_tree_heads")
    op.drop_table("evidence_nodes")
    op.drop_table("evidence_leaves")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS evidence_refuse_change()")
        op.execute("DROP FUNCTION IF EXISTS evidence_leaf_sequence_only()")
