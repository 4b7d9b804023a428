"""The compensation calculator of rulebook §3: percent of the paid amount, the cap,
the authority tier, coupons before cash."""

from __future__ import annotations

from pydantic import Field

from domain.models import Contract
from domain.money import Fen, percent_of
from domain.policy import CompensationKind, Policy, Situation, Tier, TierOffer


class CompensationOffer(Contract):
    situation: Situation
    kind: CompensationKind
    amount_fen: Fen
    percent: int | None = Field(default=None, description="None for fixed amounts")
    tier: Tier = Field(description="the lowest tier whose authority covers this offer")
    reason: str = ""

    @property
    def needs_approval(self) -> bool:
        return self.tier != Tier.FIRST_LINE


class CompensationError(ValueError):
    pass


def _tiers(policy: Policy, situation: Situation) -> list[tuple[Tier, TierOffer]]:
    rule = policy.rule(situation)
    return [(t, o) for t, o in ((Tier.FIRST_LINE, rule.first_line), (Tier.SECOND_LINE, rule.second_line)) if o]


def _amount(offer: TierOffer, paid_fen: int, percent: int | None) -> int:
    if offer.fixed_fen is not None:
        return offer.fixed_fen
    amount = percent_of(paid_fen, percent if percent is not None else offer.min_percent)
    return min(amount, offer.cap_fen) if offer.cap_fen is not None else amount


def standard_offer(
    policy: Policy, situation: Situation, paid_fen: int, *, difference_fen: int | None = None
) -> CompensationOffer:
    """What the lowest tier allowed for this situation offers by default."""
    tier, offer = _tiers(policy, situation)[0]
    kind = offer.kinds[0]
    if kind == "refund_difference":
        if difference_fen is None or difference_fen <= 0:
            raise CompensationError("a price-difference refund needs the positive difference")
        return CompensationOffer(situation=situation, kind=kind, amount_fen=difference_fen, tier=tier)
    percent = None if offer.fixed_fen is not None else offer.min_percent
    return CompensationOffer(
        situation=situation, kind=kind, amount_fen=_amount(offer, paid_fen, percent), percent=percent, tier=tier
    )


def offer_for_percent(
    policy: Policy, situation: Situation, paid_fen: int, percent: int, kind: CompensationKind | None = None
) -> CompensationOffer:
    """The offer at `percent`, placed in the lowest tier whose range and kinds allow it.
    Beyond every tier it goes to the platform, uncapped: the platform decides."""
    if not 0 < percent <= 100:
        raise CompensationError("percent must lie between 1 and 100")
    for tier, offer in _tiers(policy, situation):
        if offer.fixed_fen is not None or "refund_difference" in offer.kinds:
            continue
        if offer.min_percent <= percent <= offer.max_percent and (kind is None or kind in offer.kinds):
            chosen = kind or offer.kinds[0]
            return CompensationOffer(
                situation=situation,
                kind=chosen,
                amount_fen=_amount(offer, paid_fen, percent),
                percent=percent,
                tier=tier,
            )
    tiers = _tiers(policy, situation)
    fallback_kind = kind or tiers[-1][1].kinds[0]
    return CompensationOffer(
        situation=situation,
        kind=fallback_kind,
        amount_fen=percent_of(paid_fen, percent),
        percent=percent,
        tier=Tier.PLATFORM,
    )


def tier_for_amount(
    policy: Policy, situation: Situation, paid_fen: int, amount_fen: int, kind: CompensationKind
) -> Tier:
    """The lowest tier that may grant `amount_fen` of `kind`: its kinds include it and
    the amount is within its maximum percent and cap."""
    if amount_fen <= 0:
        raise CompensationError("a compensation amount must be positive")
    for tier, offer in _tiers(policy, situation):
        if kind not in offer.kinds:
            continue
        if offer.fixed_fen is not None:
            if amount_fen <= offer.fixed_fen:
                return tier
            continue
        if kind == "refund_difference":
            return tier
        limit = _amount(offer, paid_fen, offer.max_percent)
        if amount_fen <= limit:
            return tier
    return Tier.PLATFORM


def authority_limit(
    policy: Policy, situation: Situation, paid_fen: int, tier: Tier, kind: CompensationKind
) -> int | None:
    """The most `tier` may grant of `kind` here; None when the tier has no authority
    for it (the platform's authority is unbounded and returns None too)."""
    if tier == Tier.PLATFORM:
        return None
    for t, offer in _tiers(policy, situation):
        if t == tier and kind in offer.kinds:
            return offer.fixed_fen if offer.fixed_fen is not None else _amount(offer, paid_fen, offer.max_percent)
    return None
