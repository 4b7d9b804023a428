"""complaint outcomes, agent penalties, privacy refusals (issue 4)

Revision ID: 0004_complaints
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UtcDateTime

revision = "0004_complaints"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_outcomes",
        sa.Column("case_id", sa.String(80), sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("category", sa.String(40), nullable=False, index=True),
        sa.Column("responsibility", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("repeat", sa.Boolean, nullable=False),
        sa.Column("submissions", sa.Integer, nullable=False),
        sa.Column("level", sa.String(40), nullable=False),
        sa.Column("first_contact_resolved", sa.Boolean, nullable=False),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("satisfaction", sa.Integer),
        sa.Column("compensation_fen", sa.BigInteger, nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "agent_penalties",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(80), sa.ForeignKey("cases.case_id"), nullable=False, unique=True),
        sa.Column("agent_id", sa.String(64), nullable=False, index=True),
        sa.Column("violation", sa.Integer),
        sa.Column("level", sa.String(40), nullable=False),
        sa.Column("effects", sa.JSON, nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "privacy_refusals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("account_digest", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("privacy_refusals")
    op.drop_table("agent_penalties")
    op.drop_table("complaint_outcomes")
