"""completion-rate reports of the daily sweeps

Revision ID: 0002_sweeps
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UtcDateTime

revision = "0002_sweeps"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "completion_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("tracked", sa.Integer, nullable=False),
        sa.Column("completed", sa.Integer, nullable=False),
        sa.Column("rate_permille", sa.Integer, nullable=False),
        sa.Column("by_outcome", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("report_date", "kind", name="uq_completion_report_day"),
    )


def downgrade() -> None:
    op.drop_table("completion_reports")
