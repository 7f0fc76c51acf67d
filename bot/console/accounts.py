"""Operator accounts: creation, login sessions, API tokens — each use case one transaction, audited."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from bot.console.auth import DUMMY_HASH, hash_password_async, hash_token, new_token, verify_password_async
from bot.console.throttle import LoginThrottle
from storage.tickets import Audit, AuditEntry, Operator, Operators, OperatorSession, OperatorSessions
from storage.types import utcnow
from storage.unit_of_work import Database

ROLES = ("operator", "manager")
NAME_PATTERN = re.compile(r"^[\w.\-]{2,64}$")
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_LIFETIME = timedelta(days=90)


class AccountError(Exception):
    pass


class Throttled(Exception):
    """Too many failed logins for this account or address: try again after `retry_after` s."""

    def __init__(self, retry_after: float):
        super().__init__(f"too many failed logins; try again in {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass
class ActiveAccess:
    """A live console session or API token, as `zhasbot operators sessions` lists them."""

    operator: str
    kind: str  # session | token
    created_at: datetime | None
    expires_at: datetime | None
    remote: str | None = None


@dataclass
class Login:
    operator: Operator
    session_token: str  # goes into the cookie; only its hash is stored
    csrf_token: str


class Accounts:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow,
                 throttle: LoginThrottle | None = None, token_lifetime: timedelta = TOKEN_LIFETIME):
        self.db = db
        self.clock = clock
        self.throttle = throttle or LoginThrottle()
        self.token_lifetime = token_lifetime

    async def add(self, name: str, role: str, password: str, *, actor: Operator | None = None) -> Operator:
        if not NAME_PATTERN.match(name or ""):
            raise AccountError("the name must be 2–64 letters, digits, dots, dashes or underscores")
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        try:
            password_hash = await hash_password_async(password)
        except ValueError as exc:
            raise AccountError(str(exc)) from None
        async with self.db.unit_of_work() as uow:
            operators = Operators(uow.session)
            if await operators.by_name(name) is not None:
                raise AccountError(f"an operator named {name!r} already exists")
            operator = operators.add(Operator(name=name, role=role, password_hash=password_hash,
                                              active=True, created_at=self.clock()))
            await uow.flush()
            Audit(uow.session).record(actor=actor.name if actor else "cli", operator_id=actor.id if actor else None,
                                      action="operator_added", target=f"operator:{name}",
                                      details={"role": role}, at=self.clock())
            return operator

    async def issue_token(self, name: str, *, lifetime: timedelta | None = None) -> str:
        """A new API bearer token for `name` (the old one stops working), valid for `lifetime`
        (API_TOKEN_DAYS). Shown once: only its hash is stored."""
        token = new_token()
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            operator = await Operators(uow.session).by_name(name)
            if operator is None:
                raise AccountError(f"no operator named {name!r}")
            operator.token_hash = hash_token(token)
            operator.token_expires_at = now + (lifetime or self.token_lifetime)
            Audit(uow.session).record(actor="cli", action="token_issued", target=f"operator:{name}",
                                      details={"expires_at": operator.token_expires_at.isoformat()}, at=now)
        return token

    async def revoke(self, name: str, *, token: bool = True, sessions: bool = True, actor: str = "cli") -> int:
        """End `name`'s API token and/or console sessions at once; how many were ended."""
        async with self.db.unit_of_work() as uow:
            operator = await Operators(uow.session).by_name(name)
            if operator is None:
                raise AccountError(f"no operator named {name!r}")
            ended = 0
            if token and operator.token_hash is not None:
                operator.token_hash, operator.token_expires_at = None, None
                ended += 1
            if sessions:
                ended += await OperatorSessions(uow.session).delete_for(operator.id)
            Audit(uow.session).record(actor=actor, action="access_revoked", target=f"operator:{name}",
                                      details={"token": token, "sessions": sessions, "ended": ended}, at=self.clock())
            return ended

    async def active_access(self) -> list[ActiveAccess]:
        """Live sessions and unexpired tokens of active operators."""
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            operators = await Operators(uow.session).all()
            live = await OperatorSessions(uow.session).live(now)
        names = {op.id: op.name for op in operators}
        found = [ActiveAccess(names.get(row.operator_id, "?"), "session", row.created_at, row.expires_at, row.remote)
                 for row in live]
        found += [ActiveAccess(op.name, "token", None, op.token_expires_at) for op in operators
                  if op.active and op.token_hash and (op.token_expires_at is None or op.token_expires_at > now)]
        return sorted(found, key=lambda a: (a.operator, a.kind))

    async def set_active(self, name: str, active: bool, *, actor: Operator) -> None:
        async with self.db.unit_of_work() as uow:
            operator = await Operators(uow.session).by_name(name)
            if operator is None:
                raise AccountError(f"no operator named {name!r}")
            operator.active = active
            Audit(uow.session).record(actor=actor.name, operator_id=actor.id,
                                      action="operator_enabled" if active else "operator_disabled",
                                      target=f"operator:{name}", at=self.clock())

    async def all(self) -> list[Operator]:
        async with self.db.unit_of_work() as uow:
            return await Operators(uow.session).all()

    async def login(self, name: str, password: str, *, remote: str | None = None) -> Login | None:
        """A new session, None for a wrong name or password; Throttled while this account or
        address waits after failures (the password is then not even checked)."""
        wait = self.throttle.retry_after(name, remote)
        if wait > 0:
            raise Throttled(wait)
        async with self.db.sessions() as session:
            operator = await Operators(session).by_name(name or "")
        # Off the event loop, and outside any transaction (SQLite's writer is not held for it).
        valid = await verify_password_async(password or "", operator.password_hash if operator else DUMMY_HASH)
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            audit = Audit(uow.session)
            if operator is None or not valid or not operator.active:
                self.throttle.failed(name, remote)
                audit.record(actor=(name or "?")[:64], operator_id=operator.id if operator else None,
                             action="login_failed", details={"remote": remote,
                                                             "locked": self.throttle.locked(name, remote)}, at=now)
                return None
            self.throttle.succeeded(name, remote)
            token, csrf = new_token(), secrets.token_urlsafe(32)
            OperatorSessions(uow.session).add(OperatorSession(
                token_hash=hash_token(token), operator_id=operator.id, csrf_token=csrf,
                created_at=now, expires_at=now + SESSION_LIFETIME, remote=(remote or "")[:64] or None))
            audit.record(actor=operator.name, operator_id=operator.id, action="login",
                         details={"remote": remote}, at=now)
            return Login(operator, token, csrf)

    async def session(self, token: str | None) -> tuple[Operator, str] | None:
        """(operator, csrf token) of a live session cookie."""
        if not token:
            return None
        async with self.db.unit_of_work() as uow:
            found = await OperatorSessions(uow.session).valid(hash_token(token), self.clock())
        return (found[1], found[0].csrf_token) if found else None

    async def logout(self, token: str, operator: Operator) -> None:
        async with self.db.unit_of_work() as uow:
            await OperatorSessions(uow.session).delete(hash_token(token))
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="logout", at=self.clock())

    async def by_token(self, token: str | None) -> Operator | None:
        if not token:
            return None
        async with self.db.sessions() as session:
            return await Operators(session).by_token_hash(hash_token(token), self.clock())

    async def audit(self, operator: Operator, action: str, target: str | None = None, **details) -> None:
        async with self.db.unit_of_work() as uow:
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action=action,
                                      target=target, details=details or None, at=self.clock())

    async def recent_audit(self, limit: int = 100) -> list[AuditEntry]:
        async with self.db.unit_of_work() as uow:
            return await Audit(uow.session).recent(limit)
