"""The policy table (rulebook §2–§3): what the shipped files say, and how a bad file fails."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.models import CaseKind
from domain.policy import POLICY_DIR, Policy, PolicyError, Polling, Situation, Windows, load_policy, named_policy
from domain.returns import ReturnRefundInput
from domain.windows import Window
from tests.factories import header

DEFAULT_TEXT = (POLICY_DIR / "default.toml").read_text(encoding="utf-8")

# Rulebook §2, window by window: (field, spec in default.toml).
RULEBOOK_WINDOWS = [
    ("backfill", "24h"),  # S4 §1
    ("held_unshipped", "48h"),  # S4 §1
    ("ship_target", "48h"),  # S4 §13
    ("platform_ship", "72h"),  # S3, S4 §13
    ("sign_target", "96h"),  # S4 §6, §13
    ("not_signed_tracking_start", "72h"),  # S4 2.4
    ("no_logistics_update", "48h"),  # S2: more than 2 days
    ("courier_final_answer", "24h"),  # S2
    ("after_sales_node", "24h"),  # S2 rule 11
    ("return_refund", "5d"),  # S4 §10
    ("manual_refund_review", "2wd"),  # S4 §9: 1-2 working days
    ("manual_refund_payment", "5wd"),  # S4 §9
    ("compensation_payout", "5wd"),  # S4 §9
    ("missing_invoice", "5wd"),  # S4 §2
    ("wrong_invoice", "5wd"),  # S4 §2
    ("vat_invoice", "14d"),  # S4 §2: about 2 weeks
    ("abnormal_sign_off", "3wd"),  # S4 §8
    ("platform_answer", "1wd"),  # S4 §12
    ("second_line_callback", "2wd"),  # S4 §12
    ("agent_contact", "48h"),  # S0
    ("agent_appeal", "2wd"),  # S0
    ("exchange_shipped_back", "3wd"),  # S2
    ("repair_returned", "5wd"),  # S2
    ("negative_review", "48h"),  # S2
    ("oversold_check", "2d"),  # S4 2.2: 1-2 days
]


@pytest.fixture(scope="module")
def default() -> Policy:
    return named_policy("default")


@pytest.fixture(scope="module")
def demo() -> Policy:
    return named_policy("demo")


@pytest.mark.parametrize(("name", "spec"), RULEBOOK_WINDOWS, ids=[n for n, _ in RULEBOOK_WINDOWS])
def test_default_policy_has_the_rulebook_window(default: Policy, name: str, spec: str):
    assert str(getattr(default.windows, name)) == spec


def test_default_policy_shop_settings(default: Policy):
    assert default.version == "2026.11-default"
    assert default.reship_cutoff_hour == 20  # S4 §1, §11: paid before 20:00 → next day
    assert default.calendar.utc_offset_hours == 8
    assert default.polling.refund_lead.is_plain and default.polling.return_receipt.is_plain
    assert {r.situation for r in default.compensation} == set(Situation)


def test_demo_policy_compresses_every_window_to_seconds_and_keeps_the_compensation_table(default: Policy, demo: Policy):
    assert demo.version != default.version
    for name in Windows.model_fields:
        w = getattr(demo.windows, name)
        assert w.is_plain, f"demo window {name} = {w} should be wall-clock seconds"
        assert w.plain.total_seconds() <= 120, f"demo window {name} = {w} is not compressed"
    assert demo.compensation == default.compensation
    assert demo.calendar == default.calendar
    # the order of the clocks survives the compression: day 5 is later than the 24 h node
    assert demo.windows.return_refund.plain > demo.windows.after_sales_node.plain


def test_named_policy_accepts_a_path(tmp_path: Path):
    p = tmp_path / "mine.toml"
    p.write_text(DEFAULT_TEXT.replace('version = "2026.11-default"', 'version = "mine-1"'), encoding="utf-8")
    assert named_policy(str(p)).version == "mine-1"


def test_unknown_named_policy_is_a_clear_error():
    with pytest.raises(PolicyError, match=r"nosuch\.toml does not exist"):
        named_policy("nosuch")


def _load(tmp_path: Path, text: str) -> Policy:
    p = tmp_path / "policy.toml"
    p.write_text(text, encoding="utf-8")
    return load_policy(p)


def _drop_compensation(text: str, situation: str) -> str:
    block = re.compile(rf'\[\[compensation\]\]\nsituation = "{situation}"\n(?:[^\[\n].*\n)*', re.M)
    out, n = block.subn("", text)
    assert n == 1, situation
    return out


def _compensation_block(text: str, situation: str) -> str:
    m = re.search(rf'\[\[compensation\]\]\nsituation = "{situation}"\n(?:[^\[\n].*\n)*', text)
    assert m
    return m.group(0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('backfill = "24h"\n', ""), r"windows\.backfill: Field required"),
        (
            lambda t: t.replace('backfill = "24h"', 'backfill = "5x"'),
            r"windows\.backfill: .*window '5x': write a whole number and a unit",
        ),
        (lambda t: t.replace('backfill = "24h"', 'backfill = "24"'), r"windows\.backfill: .*window '24'"),
        (lambda t: t.replace('backfill = "24h"', 'backfill = "0h"'), r"windows\.backfill: .*longer than zero"),
        (lambda t: t.replace('backfill = "24h"', 'backfill = "-1h"'), r"windows\.backfill: .*window '-1h'"),
        (
            lambda t: t.replace('backfill = "24h"', 'backfill = "24h"\nbackfil = "24h"'),
            r"windows\.backfil: Extra inputs are not permitted",
        ),
        (
            lambda t: t.replace('version = "2026.11-default"', 'version = "x"\ncolour = "blue"'),
            r"colour: Extra inputs are not permitted",
        ),
        (lambda t: t.replace('return_receipt = "4h"\n', ""), r"polling\.return_receipt: Field required"),
        (lambda t: _drop_compensation(t, "goods_fault"), r"no compensation rule for: goods_fault"),
        (
            lambda t: t + "\n" + _compensation_block(t, "missing_item"),
            r"each situation has exactly one compensation rule",
        ),
        (
            lambda t: t.replace('situation = "promo_unpaid"', 'situation = "promo_unknown"'),
            r"compensation\.\d+\.situation: Input should be",
        ),
        (
            lambda t: t.replace("min_percent = 30, max_percent = 30", "min_percent = 40, max_percent = 30"),
            r"min_percent exceeds max_percent",
        ),
        (
            lambda t: t.replace("cap_fen = 50000", "cap_fen = -1"),
            r"cap_fen: Input should be greater than or equal to 0",
        ),
        (
            lambda t: t.replace("reship_cutoff_hour = 20", "reship_cutoff_hour = 24"),
            r"reship_cutoff_hour: Input should be less than or equal to 23",
        ),
        (lambda t: t.replace('"2026-10-01",', '"2026-13-01",'), r"calendar\.holidays"),
        (lambda t: t.replace("[windows]", "[windows\n"), r"is not valid TOML"),
        (lambda t: "this is not toml at all", r"is not valid TOML"),
    ],
    ids=[
        "missing-window",
        "bad-unit",
        "no-unit",
        "zero",
        "negative",
        "unknown-window",
        "unknown-top-level-key",
        "missing-polling",
        "missing-situation",
        "duplicate-situation",
        "unknown-situation",
        "min-over-max",
        "negative-cap",
        "cutoff-hour",
        "bad-holiday",
        "broken-toml",
        "not-toml",
    ],
)
def test_a_bad_policy_file_is_a_clear_policy_error(tmp_path: Path, edit, message: str):
    text = edit(DEFAULT_TEXT)
    assert text != DEFAULT_TEXT
    with pytest.raises(PolicyError) as err:
        _load(tmp_path, text)
    msg = str(err.value)
    assert re.search(message, msg), msg
    assert str(tmp_path / "policy.toml") in msg, "the message names the file"
    assert "\n" not in msg.strip(), "one line, not a pydantic dump"


def test_missing_policy_file(tmp_path: Path):
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "absent.toml")


def test_an_unchanged_copy_loads(tmp_path: Path, default: Policy):
    assert _load(tmp_path, DEFAULT_TEXT) == default


def test_policy_snapshot_round_trips_through_json_unchanged(default: Policy, demo: Policy):
    for p in (default, demo):
        again = Policy.model_validate_json(p.model_dump_json())
        assert again == p
        assert again.windows.return_refund == p.windows.return_refund
        assert again.calendar.holidays == p.calendar.holidays
        dumped = json.loads(p.model_dump_json())
        assert dumped["calendar"]["holidays"] == sorted(dumped["calendar"]["holidays"]), (
            "the snapshot serialises the same way in every process (sets sorted)"
        )
        assert dumped["windows"]["return_refund"] == str(p.windows.return_refund), "windows travel as their specs"


async def test_policy_snapshot_travels_in_workflow_input_through_the_data_converter(default: Policy):
    inp = ReturnRefundInput(case=header(CaseKind.RETURN_REFUND), policy=default)
    payloads = await pydantic_data_converter.encode([inp])
    (back,) = await pydantic_data_converter.decode(payloads, [ReturnRefundInput])
    assert back == inp
    assert back.policy == default
    assert back.policy.windows.manual_refund_review.unit == "wd"


def test_policy_is_frozen(default: Policy):
    with pytest.raises(ValidationError):
        default.version = "changed"  # type: ignore[misc]


def test_a_pushing_system_is_asked_only_at_the_safety_net_rate():
    """Issue 14: a wait on a system that pushes is woken by the push, so its poll is a
    safety net: never faster than safety_net, never faster than its own interval."""
    polling = named_policy("default").polling.model_copy(
        update={"pushed": ("warehouse",), "safety_net": Window.model_validate("6h")}
    )
    hour = timedelta(hours=1)
    assert polling.every("warehouse", hour) == timedelta(hours=6)
    assert polling.every("warehouse", timedelta(hours=8)) == timedelta(hours=8)
    assert polling.every("platform", hour) == hour  # not pushing: the poll rate
    assert named_policy("default").polling.every("warehouse", hour) == hour  # the shipped default pushes nothing
    assert set(named_policy("bench").polling.pushed) == {
        "warehouse",
        "platform",
        "courier",
    }  # the bench's simulators push


@pytest.mark.parametrize(
    ("remaining", "every", "interval"),
    [
        (timedelta(hours=24), timedelta(hours=1), timedelta(hours=1)),  # a whole number of polls: unchanged
        (timedelta(hours=2, minutes=30), timedelta(hours=1), timedelta(minutes=50)),  # three, a little more often
        (timedelta(seconds=28), timedelta(seconds=30), timedelta(seconds=28)),  # nearer than one poll: one, at it
        (timedelta(seconds=10, microseconds=1), timedelta(hours=6), timedelta(seconds=10, milliseconds=1)),
        (timedelta(microseconds=300), timedelta(hours=1), timedelta(milliseconds=1)),
    ],
)
def test_a_polls_interval_ends_a_whole_number_of_times_on_its_deadline(
    remaining: timedelta, every: timedelta, interval: timedelta
):
    """Issue 14 (workflows/waits.py, poll-to-deadline): the last attempt lands on the deadline
    and looks as of it, never before it; never less often than the policy asks."""
    got = Polling.to_deadline(remaining, every)
    assert got == interval
    assert got <= max(every, timedelta(milliseconds=1))
    attempts = -(-remaining // got)
    assert attempts * got >= remaining and (attempts - 1) * got < remaining


def test_a_safety_net_in_days_and_an_unknown_pushing_system_are_load_errors():
    table = named_policy("default").polling.model_dump(mode="json")
    with pytest.raises(ValidationError, match="safety_net"):
        type(named_policy("default").polling).model_validate({**table, "safety_net": "1d"})
    with pytest.raises(ValidationError, match="pushed"):
        type(named_policy("default").polling).model_validate({**table, "pushed": ["payment"]})


async def test_cases_decoded_under_one_snapshot_share_one_policy_object(default: Policy, demo: Policy):
    """A worker holding 1,000 waiting cases held 1,000 equal decoded policies (~44 KB
    each): decoded from a payload, cases under the same snapshot share one object."""
    one, two = (ReturnRefundInput(case=header(CaseKind.RETURN_REFUND), policy=default) for _ in range(2))
    other = ReturnRefundInput(case=header(CaseKind.RETURN_REFUND), policy=demo)
    back = await pydantic_data_converter.decode(
        await pydantic_data_converter.encode([one, two, other]), [ReturnRefundInput] * 3
    )
    assert [b == i for b, i in zip(back, (one, two, other), strict=True)] == [True, True, True]
    assert back[0].policy is back[1].policy and back[2].policy is not back[0].policy
    assert back[2].policy == demo
    # a snapshot that does not validate is refused every time, never remembered
    bad = json.loads(one.model_dump_json())
    bad["policy"]["windows"]["backfill"] = "soon"
    for _ in range(2):
        with pytest.raises(ValidationError, match="backfill"):
            ReturnRefundInput.model_validate_json(json.dumps(bad))
    # built in Python, the input keeps the object it was given
    assert ReturnRefundInput(case=one.case, policy=default).policy is default


def test_the_shared_snapshots_are_bounded_and_a_cleared_one_decodes_equal(default: Policy, monkeypatch):
    """A worker that sees many policy versions keeps at most SHARED_LIMIT decoded; past it
    the table starts again, and a snapshot decoded afresh is equal to the one it replaces."""
    from domain import policy as policies

    monkeypatch.setattr(policies, "_SHARED", {})
    one = ReturnRefundInput(case=header(CaseKind.RETURN_REFUND), policy=default)
    body = json.loads(one.model_dump_json())

    def decoded(version: int) -> Policy:
        body["policy"]["windows"]["backfill"] = f"{version}h"
        return ReturnRefundInput.model_validate_json(json.dumps(body)).policy

    first = decoded(1)
    assert decoded(1) is first
    for version in range(2, policies.SHARED_LIMIT + 1):
        decoded(version)
    assert len(policies._SHARED) == policies.SHARED_LIMIT and decoded(1) is first
    newest = decoded(policies.SHARED_LIMIT + 1)  # one past the limit: the table starts again
    assert len(policies._SHARED) == 1 and decoded(policies.SHARED_LIMIT + 1) is newest
    again = decoded(1)
    assert again is not first and again == first
