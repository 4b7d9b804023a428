"""the front door's audit log (issue 11)

Revision ID: 0011_audit
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UtcDateTime

revision = "0011_audit"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False, index=True),
        sa.Column("actor_id", sa.String(80), nullable=False, index=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("case_id", sa.String(80), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(60), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
