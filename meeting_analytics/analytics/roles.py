"""Who plays which part: interviewer and candidate, agent and customer.

In a two-party recording the party who asks more questions (and, on a tie, talks less) takes the
first role (``interviewer`` by default), the other the second. A speaker named after an enrolled
voice whose profile carries a role keeps that role. Each row says how its role was decided.
"""

from __future__ import annotations

import pandas as pd

DEFAULT_ROLES = ("interviewer", "candidate")


def parse_roles(value: str | None) -> tuple[str, ...]:
    roles = tuple(r.strip() for r in (value or "").split(",") if r.strip())
    return roles or DEFAULT_ROLES


def assign_roles(speakers: pd.DataFrame, roles: tuple[str, ...] = DEFAULT_ROLES,
                 known: dict[str, str] | None = None) -> pd.DataFrame:
    """``speakers`` with ``role`` and ``role_source`` columns; ``known``: speaker -> role from profiles."""
    role = speakers["speaker"].map(known or {}).astype(object)
    out = speakers.assign(role=role.where(role.notna(), None),
                          role_source=role.notna().map({True: "voice profile", False: None}).astype(object))
    free = [r for r in roles if r not in set(out["role"].dropna())]
    open_ = out[out["role"].isna()].sort_values(["questions", "talk_time"], ascending=[False, True])
    if len(out) != 2 or open_.empty or not free:
        return out
    if len(open_) == 1:  # the other party's role is known: this one takes the first role left
        out.loc[open_.index[0], ["role", "role_source"]] = [free[0], "the other party's role is known"]
    elif len(roles) >= 2:
        first, second = open_.index
        q1, q2 = int(out.at[first, "questions"]), int(out.at[second, "questions"])
        why = f"asks more questions ({q1} vs {q2})" if q1 != q2 else "asks as many questions and talks less"
        out.loc[first, ["role", "role_source"]] = [roles[0], f"guessed: {why}"]
        out.loc[second, ["role", "role_source"]] = [roles[1], f"guessed: the other party ({q2} vs {q1} questions)"]
    return out
