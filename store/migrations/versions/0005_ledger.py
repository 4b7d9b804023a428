"""the order's money ledger; actor columns wide enough for child case ids (issue 10)

Revision ID: 0005_ledger
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UtcDateTime

revision = "0005_ledger"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("case_id", sa.String(100), nullable=False, index=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("purse", sa.String(20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("payment_id", sa.String(80)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    # A child case's id (up to 80 characters) is who opened it and who acts in its
    # parent's timeline; SQLite does not enforce VARCHAR lengths, PostgreSQL does.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("cases", "opened_by", type_=sa.String(100))
        op.alter_column("case_events", "actor", type_=sa.String(100))


def downgrade() -> None:
    op.drop_table("order_ledger")
