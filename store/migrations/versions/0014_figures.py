"""the operating figures (issue 14): each Prometheus scrape reads the timeline entries of a
few kinds (breaches, refused reservations, approvals), so they are found by their kind
instead of a scan of every case's timeline

Revision ID: 0014_figures
"""

from alembic import op

revision = "0014_figures"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_events_kind", "case_events", ["kind"])


def downgrade() -> None:
    op.drop_index("ix_case_events_kind", "case_events")
