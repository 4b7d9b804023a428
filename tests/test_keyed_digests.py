"""Keyed pseudonyms (issue 12): payer references and refusal digests need the keyring's
secret, and the migration turns stored unkeyed digests into keyed ones."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from domain.models import CaseHeader, CaseKind, legacy_order_for_case, order_for_case, payer_reference
from domain.privacy import account_digest, unkeyed_digest
from store.case_store import MIGRATIONS, migrate
from tests.factories import order, secret


def test_a_payer_reference_is_keyed_stable_and_reveals_nothing():
    ref = payer_reference("alipay:13812345678", b"k" * 32)
    assert ref == payer_reference("alipay:13812345678", b"k" * 32) != payer_reference("alipay:13812345678", b"j" * 32)
    assert ref.startswith("payer:") and "138" not in ref
    assert ref != legacy_order_for_case(order()).paying_account  # not the old unkeyed hash
    assert payer_reference(ref, b"j" * 32) == ref  # already a reference


def test_a_case_carries_only_a_pseudonymous_order():
    o = order()
    h = CaseHeader(
        case_id="T-ok-order",
        kind=CaseKind.RETURN_REFUND,
        order=order_for_case(o, secret()),
        customer_id=o.customer_id,
        opened_by="x",
    )
    assert (h.order.phone, h.order.address) == (None, None) and h.order.paying_account == payer_reference(
        o.paying_account, secret()
    )
    # headers recorded before keyed references (old histories, some with the whole order)
    # still load, with the reference they ran under
    for recorded in (o, legacy_order_for_case(o)):
        assert CaseHeader.model_validate(
            {
                "case_id": "T-old",
                "kind": "return_refund",
                "order": recorded.model_dump(mode="json"),
                "customer_id": o.customer_id,
                "opened_by": "x",
            }
        ).order == legacy_order_for_case(o)


def test_the_migration_keys_the_stored_refusal_digests(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:  # a store as it was before: refusals with unkeyed digests
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004_complaints")
        conn.execute(
            text(
                "INSERT INTO privacy_refusals (order_id, action, account_digest, reason, at) "
                "VALUES ('O-1', 'read_contact', :d, 'not the payer', :at)"
            ),
            {"d": unkeyed_digest("alipay:13900000000"), "at": datetime(2026, 11, 20, tzinfo=timezone.utc)},
        )
    migrate(engine)
    with engine.connect() as conn:
        (stored,) = conn.execute(text("SELECT account_digest FROM privacy_refusals")).one()
    # the same digest a refusal recorded now gets: repeats across the migration still match
    assert stored == account_digest("alipay:13900000000", secret()) != unkeyed_digest("alipay:13900000000")
