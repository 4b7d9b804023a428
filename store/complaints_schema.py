"""Tables of issue 4 (migration 0004_complaints): closed complaints for the §7
metrics, the agents' penalty records (§5) and refused requests for private order
data (§6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.schema import Base


class ComplaintRow(Base):
    __tablename__ = "complaint_outcomes"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    responsibility: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(40))
    repeat: Mapped[bool] = mapped_column(Boolean)
    submissions: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(40))
    first_contact_resolved: Mapped[bool] = mapped_column(Boolean)
    escalated: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    compensation_fen: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime]


class PenaltyRow(Base):
    __tablename__ = "agent_penalties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), unique=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    violation: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(40))
    effects: Mapped[dict[str, Any]]
    decided_at: Mapped[datetime]


class PrivacyRefusalRow(Base):
    __tablename__ = "privacy_refusals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40))
    account_digest: Mapped[str] = mapped_column(String(64), doc="sha256 of the asking account: never kept in the clear")
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime]
