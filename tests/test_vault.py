"""The vault (issue 12): a manual refund's payee and an invoice's title are kept encrypted
at rest, cases carry only references, and only the payment and finance activities read
them back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.manual_refund import ManualRefundResult, Payee
from domain.timeline import Entry
from runtime.codec import CodecError, Sealer
from runtime.keys import Keyring
from store.vault import Vault, VaultRow
from tests.replay_support import keep_history
from tests.test_cli import Result, seeded, shell  # noqa: F401  (fixtures)
from tests.test_manual_refund import REFUNDS, SUPERVISOR, decision
from workflows.case_workflow import CaseWorkflow

ACCOUNT, NAME = "liu.yang@example.com", "刘洋"
PAYEE = Payee(payment_account="alipay", account_id=ACCOUNT, real_name=NAME)


def ring() -> Keyring:
    return Keyring(active="k1", keys={"k1": os.urandom(32)}, pseudonym_secret=os.urandom(32))


def test_a_payee_is_a_reference_or_the_details_never_both():
    with pytest.raises(ValueError, match="not both"):
        Payee(ref="payee:abcdefgh1234", account_id=ACCOUNT)
    with pytest.raises(ValueError, match="needs payment_account"):
        Payee(account_id=ACCOUNT)
    ref = Payee(ref="payee:abcdefgh1234")
    assert ref.account_ref == "payee:abcdefgh1234" and ref.masked() == {"ref": "payee:abcdefgh1234"}
    assert PAYEE.account_ref == ACCOUNT  # cases begun before the vault pay to the account id itself


def test_the_vault_keeps_details_encrypted_and_gives_them_back(any_store):
    keyring = ring()
    vault = Vault(any_store, Sealer(keyring))
    ref = vault.put_payee(PAYEE)
    assert ref.is_ref and vault.put_payee(ref) == ref
    with any_store._session() as s:
        row = s.scalar(select(VaultRow).where(VaultRow.ref == ref.ref))
    assert row.key_id == "k1" and ACCOUNT.encode() not in row.sealed and NAME.encode("utf-8") not in row.sealed
    assert vault.resolve_payee(ref.ref) == PAYEE
    # after a key rotation the old rows still open; a sealed value moved to another row does not
    assert Vault(any_store, Sealer(keyring.rotated())).resolve_payee(ref.ref) == PAYEE
    other = vault.put_payee(PAYEE)
    with pytest.raises(CodecError):
        Sealer(keyring).open(row.key_id, row.sealed, other.ref.encode())
    with pytest.raises(LookupError):
        vault.resolve_payee("payee:no-such-row-0000")


async def test_a_manual_refund_opened_with_a_payee_carries_only_its_reference(
    shell,  # noqa: F811 - the fixture imported from test_cli
    env,
    store,
    seeded,  # noqa: F811 - the fixture imported from test_cli
    tmp_path: Path,
):
    case_id = f"MR-vault-{os.urandom(4).hex()}"
    f = tmp_path / "manual.json"
    f.write_text(
        json.dumps(
            {
                "kind": "manual_refund",
                "order_id": seeded.order_id,
                "case_id": case_id,
                "reason": "运费退款",
                "reason_kind": "shipping_fee",
                "amount_fen": 1000,
                "payee": {"payment_account": "alipay", "account_id": ACCOUNT, "real_name": NAME},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    paid_to = []
    provider = shell.outside.payment
    pay = provider.pay

    async def recording_pay(request):
        paid_to.append(request.account_ref)
        return await pay(request)

    provider.pay = recording_pay
    r: Result = await shell("open", "--file", str(f), "--as", "qian.refunds")
    assert r.code == 0, r.err
    h = env.client.get_workflow_handle(f"case-{case_id}", result_type=ManualRefundResult)
    from service.cases import reached

    assert await reached(h, Entry.APPROVAL_REQUESTED)
    await h.execute_update(CaseWorkflow.decide, decision("review", SUPERVISOR))
    assert await reached(h, Entry.REVIEW_PASSED)
    await h.execute_update(CaseWorkflow.decide, decision("second-check", REFUNDS))
    result = await h.result()
    assert result.outcome == "paid" and paid_to == [ACCOUNT]  # the provider got the account
    history = (await h.fetch_history()).to_json()
    await keep_history(h, "manual_refund_payee_by_reference")
    from tests.test_logging import _payload_texts

    decrypted = " ".join(_payload_texts(json.loads(history)))
    assert "payee:" in decrypted  # the reference travels, readable
    stored = json.dumps([e.model_dump(mode="json") for e in store.timeline(case_id)], ensure_ascii=False)
    for secret in (ACCOUNT, "liu.yang", NAME):
        assert secret not in history and secret not in decrypted and secret not in stored


def test_an_invoice_title_is_kept_as_a_reference_and_given_back_to_finance_only(any_store):
    vault = Vault(any_store, Sealer(ring()))
    ref = vault.put_text(NAME)
    assert ref.startswith("private:") and NAME not in ref and vault.put_text(ref) == ref
    assert vault.resolve_text(ref) == NAME
    assert vault.resolve_text("张三") == "张三"  # a title recorded before the vault is no reference


def test_an_orders_contact_details_and_paying_account_are_sealed_at_rest(any_store):
    from sqlalchemy import text

    from store import open_store
    from tests.factories import order

    o = order()
    sealing = open_store(str(any_store.engine.url.render_as_string(hide_password=False)))
    sealing.sealer = Sealer(ring())
    sealing.save_order(o)
    with any_store.engine.connect() as c:
        (body,) = c.execute(text("SELECT body FROM orders WHERE order_id = :id"), {"id": o.order_id}).one()
    stored = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    assert o.phone not in stored and o.address not in stored and o.paying_account not in stored
    assert o.order_id in stored  # the rest stays queryable
    assert sealing.get_order(o.order_id) == o
    with pytest.raises(LookupError, match="sealed"):
        any_store.get_order(o.order_id)  # a store without the keyring cannot read it
