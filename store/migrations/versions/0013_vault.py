"""the vault: payees and invoice titles, encrypted at rest (issue 12)

Revision ID: 0013_vault
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UtcDateTime

revision = "0013_vault"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault",
        sa.Column("ref", sa.String(90), primary_key=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vault")
