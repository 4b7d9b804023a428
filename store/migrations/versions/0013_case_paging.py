"""the console's cases list (issue 13): keyset paging newest first, and per-customer lists

Revision ID: 0013_case_paging
"""

from alembic import op

revision = "0013_case_paging"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (opened_at, case_id) is the page key: one index range scan per page at any depth
    op.create_index("ix_cases_opened_case", "cases", ["opened_at", "case_id"])
    op.create_index("ix_orders_customer_id_paging", "orders", ["customer_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_customer_id_paging", "orders")
    op.drop_index("ix_cases_opened_case", "cases")
