"""the payee vault: manual refunds' payees, encrypted at rest (issue 12)

Revision ID: 0013_payees
"""
import sqlalchemy as sa
from alembic import op

from store.schema import UtcDateTime

revision = "0013_payees"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payees",
        sa.Column("ref", sa.String(90), primary_key=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payees")
