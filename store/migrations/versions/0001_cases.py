"""cases, case events, payments and orders

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False, index=True),
        sa.Column("paid_fen", sa.BigInteger, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("workflow_id", sa.String(100), nullable=False, unique=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("customer_id", sa.String(64), nullable=False, index=True),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(40), nullable=False, index=True),
        sa.Column("outcome", sa.String(40)),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(80), sa.ForeignKey("cases.case_id"), nullable=False, index=True),
        sa.Column("event_key", sa.String(80), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("case_id", "event_key", name="uq_case_event_key"),
    )
    op.create_index("ix_case_events_case_seq", "case_events", ["case_id", "seq"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("case_id", sa.String(80), sa.ForeignKey("cases.case_id"), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("payment_id", sa.String(80), nullable=False),
        sa.Column("paid_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payments")
    op.drop_table("case_events")
    op.drop_table("cases")
    op.drop_table("orders")
