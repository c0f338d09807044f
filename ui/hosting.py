"""Who may train on this server: exposed means read-only unless the operator configured a training token.

The server is *exposed* when it listens beyond loopback (Streamlit's `server.address` is not 127.0.0.0/8, ::1 or
localhost; an empty address, 0.0.0.0 or :: is every interface) or when `VAE_EXPOSED=1`. On an exposed server the
Train page shows the runs but nobody may start, stop or replace anything, unless `VAE_TRAIN_TOKEN` is set and the
visitor enters it. On a loopback server (./run-app.sh) anyone at the machine may train, as its owner. Caps on the
store apply to every run started from the page. The rules are pure functions of (address, environment, token);
`from_server` reads them from the running Streamlit server.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

EXPOSED_ENV = "VAE_EXPOSED"  # "1": treat the server as exposed whatever it listens on (behind a proxy, say)
TOKEN_ENV = "VAE_TRAIN_TOKEN"  # the secret that lets a visitor of an exposed server train
MAX_MODELS_ENV = "VAE_MAX_MODELS"
MAX_STORE_MB_ENV = "VAE_MAX_STORE_MB"
MAX_MODELS = 24  # models in the store before the page refuses to start a run of a new name
MAX_STORE_MB = 2048  # MiB the whole store may use (models, caches, backups, logs) before the page refuses a run


@dataclass(frozen=True)
class Access:
    """What this visitor may do on the Train page."""

    exposed: bool  # the server listens beyond loopback (or the operator said so)
    token_configured: bool  # the operator set VAE_TRAIN_TOKEN
    can_train: bool  # may start runs and stop their own
    reason: str  # one sentence for the page when can_train is False ("" otherwise)


@dataclass(frozen=True)
class Limits:
    max_models: int = MAX_MODELS
    max_store_bytes: int = MAX_STORE_MB * 2**20


def is_loopback(address: str | None) -> bool:
    """True when `address` only accepts connections from this machine (empty: every interface)."""
    address = (address or "").strip().strip("[]")
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False  # a host name or an empty address: assume other machines reach it


def is_exposed(address: str | None, env: Mapping[str, str]) -> bool:
    return env.get(EXPOSED_ENV, "").strip().lower() in ("1", "true", "yes") or not is_loopback(address)


def access(address: str | None, env: Mapping[str, str], entered_token: str = "") -> Access:
    """The Train page's permissions for a visitor who entered `entered_token` ("" when none)."""
    exposed = is_exposed(address, env)
    token = env.get(TOKEN_ENV, "")
    if not exposed:
        return Access(False, bool(token), True, "")
    if not token:
        return Access(True, False, False, "This server is shared: training from the web is off (the operator can "
                                          f"turn it on with a training token, {TOKEN_ENV}).")
    if entered_token and hmac.compare_digest(entered_token.encode(), token.encode()):
        return Access(True, True, True, "")
    return Access(True, True, False, "This server is shared: enter the training token to start or stop runs.")


def may_stop(who: Access, started_by: str, session: str) -> bool:
    """Whether this visitor may stop a run: on loopback whoever may train; on an exposed server only the session
    that started it (a run found again after a restart has no session: any token holder may stop it)."""
    if not who.can_train:
        return False
    return not who.exposed or not started_by or started_by == session


def may_replace(who: Access) -> bool:
    """Replacing a model from the web (with a backup kept) is for a loopback server only."""
    return who.can_train and not who.exposed


def limits(env: Mapping[str, str]) -> Limits:
    """The store's caps, `VAE_MAX_MODELS` and `VAE_MAX_STORE_MB` overriding the defaults (bad values: defaults)."""

    def number(name: str, default: int) -> int:
        text = env.get(name, "").strip()
        return int(text) if text.isdigit() and int(text) > 0 else default

    return Limits(number(MAX_MODELS_ENV, MAX_MODELS), number(MAX_STORE_MB_ENV, MAX_STORE_MB) * 2**20)


def from_server(entered_token: str = "") -> Access:
    """`access` for the running Streamlit server and this process's environment."""
    import streamlit as st

    return access(st.get_option("server.address"), os.environ, entered_token)
