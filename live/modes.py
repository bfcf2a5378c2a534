"""What each live mode demands before a session may trade (docs/operations.md, "Modes").

- shadow: nothing is sent to MetaTrader; any EA and account will do.
- demo: the EA's account must be a demo account (``hello.trade_mode``).
- production: armed explicitly: ``live.arm=true`` and ``live.confirm=<the account's
  login>`` (typed or passed), the tighter ``risk=production`` profile (or a group named
  ``production_*``), and the EA's login must be the one confirmed.
"""

from __future__ import annotations

from omegaconf import DictConfig

from live import protocol as P

MODES = ("shadow", "demo", "production")


class SessionError(RuntimeError):
    """The session cannot go on as configured (one line for the operator)."""


def check_arming(cfg: DictConfig) -> None:
    """Refuse a mode the config does not allow (before anything binds or connects)."""
    mode = str(cfg.mode)
    if mode not in MODES:
        raise SessionError(f"mode={mode}: expected one of {', '.join(MODES)}")
    if mode != "production":
        return
    risk = str(cfg.risk.get("name", ""))
    if not cfg.live.get("arm", False):
        raise SessionError("mode=production refuses to start unarmed: pass live.arm=true and "
                           "live.confirm=<the account's login>")
    if not str(cfg.live.get("confirm") or "").isdigit():
        raise SessionError("mode=production: live.confirm must be the trading account's login "
                           "(digits), typed or passed, e.g. live.confirm=51234567")
    if risk != "production" and not risk.startswith("production_"):
        raise SessionError(f"mode=production runs with its own risk profile: risk=production "
                           f"(conf/risk/production.yaml) or a group named production_*, "
                           f"not risk={risk}")


def check_account(cfg: DictConfig, hello: P.Hello) -> None:
    """The EA's account must suit the mode (demo account for demo, the confirmed login for
    production) and be in ``account.currency``, and the EA's own mode must be ours."""
    mode = str(cfg.mode)
    if mode == "shadow":
        return
    currency = str(cfg.account.currency).upper()
    if hello.currency.upper() != currency:
        raise SessionError(f"the EA's account is in {hello.currency}, account.currency is "
                           f"{currency}: set account.currency={hello.currency} (conversions, "
                           f"margins and risk limits are in the account's currency)")
    if hello.ea_mode != mode:
        raise SessionError(f"the EA runs in {hello.ea_mode} mode, ticklab in {mode}: set the "
                           f"EA's input mode to {mode} (the EA enforces its own)")
    if mode == "demo" and hello.trade_mode != "demo":
        raise SessionError(f"mode=demo on a {hello.trade_mode} account (login {hello.login}): "
                           f"refused; use a demo account")
    if mode == "production" and str(hello.login) != str(cfg.live.confirm):
        raise SessionError(f"mode=production is armed for login {cfg.live.confirm}, the EA is "
                           f"logged in to {hello.login}: refused")
