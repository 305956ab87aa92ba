"""Market data for weights and valuations: the bundled dated snapshot, optionally refreshed.

``resources/market_snapshot.json`` (one source, one date) is always available and is what the
app uses by default. ``current_snapshot(store, refresh=True)`` asks CoinGecko's public API
(``/api/v3/coins/markets``, 3 s timeout) for current prices and market caps and caches the
answer in the store's ``settings`` table (key ``market_snapshot_cache``, decimal strings); a
cached answer is used for an hour. Nothing here is ever required: a failed refresh (offline,
timeout, rate limit, odd answer) never raises, it returns the cached or bundled snapshot with
the reason.

Like the bundled snapshot, the refresh prices WBTC as bitcoin and WETH as ether (CoinGecko ids
``bitcoin``/``ethereum``), so both give the same kind of market cap to the index weights.
Tokens the online answer lacks keep their bundled values and are listed in ``carried_over``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from app import __version__
from app.errors import BasketryError
from app.paths import resources_dir

log = logging.getLogger(__name__)

COINGECKO_URL = "https://api.coingecko.com"
TIMEOUT_SECONDS = 3.0
FRESH_SECONDS = 3600
CACHE_KEY = "market_snapshot_cache"
MAX_RESPONSE_BYTES = 2_000_000
BUNDLED = "bundled"
COINGECKO = "coingecko"

#: CoinGecko coin ids of the snapshot's tokens (WBTC/WETH as the assets they mirror).
COINGECKO_IDS: dict[str, str] = {
    "WBTC": "bitcoin",
    "WETH": "ethereum",
    "USDT": "tether",
    "BNB": "binancecoin",
    "USDC": "usd-coin",
    "LINK": "chainlink",
    "USDe": "ethena-usde",
    "LEO": "leo-token",
    "SHIB": "shiba-inu",
    "CRO": "crypto-com-chain",
    "MNT": "mantle",
    "DAI": "dai",
    "UNI": "uniswap",
    "AAVE": "aave",
    "PEPE": "pepe",
    "OKB": "okb",
    "ENA": "ethena",
    "ONDO": "ondo-finance",
    "WLD": "worldcoin-wld",
    "POL": "polygon-ecosystem-token",
    "ARB": "arbitrum",
    "RENDER": "render-token",
    "SKY": "sky",
    "FET": "fetch-ai",
    "QNT": "quant-network",
    "PAXG": "pax-gold",
    "LDO": "lido-dao",
    "GRT": "the-graph",
}


class SettingsStore(Protocol):
    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any) -> None: ...


class MarketDataUnavailable(BasketryError):
    """The online market data could not be fetched or understood."""


@dataclass(frozen=True)
class ListedToken:
    """A token of the bundled snapshot (address and decimals are the Ethereum mainnet ones)."""

    symbol: str
    name: str
    decimals: int
    address: str
    category: str


@dataclass(frozen=True)
class MarketSnapshot:
    as_of: str  # ISO date of the bundled snapshot, or ISO UTC time of the online fetch
    source: str  # "bundled" or "coingecko"
    prices: dict[str, Decimal]  # USD per whole token, by symbol
    market_caps: dict[str, Decimal]  # USD, by symbol
    fetched_at: int | None = None  # unix seconds of the online fetch
    #: symbols the online answer lacked: their values are the bundled snapshot's
    carried_over: tuple[str, ...] = ()
    bundled_as_of: str | None = field(default=None, compare=False)

    def price_source(self, symbol: str) -> tuple[str, str]:
        """(source, as_of) of one token's price, for per-holding display."""
        if self.source != BUNDLED and symbol in self.carried_over:
            return BUNDLED, self.bundled_as_of or ""
        return self.source, self.as_of

    def to_cache(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "as_of": self.as_of,
            "fetched_at": self.fetched_at,
            "prices": {s: str(v) for s, v in self.prices.items()},
            "market_caps": {s: str(v) for s, v in self.market_caps.items()},
            "carried_over": list(self.carried_over),
            "bundled_as_of": self.bundled_as_of,
        }

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> MarketSnapshot:
        """Raises ValueError/KeyError/TypeError/InvalidOperation on a malformed cache."""
        fetched_at = data["fetched_at"]
        if not isinstance(fetched_at, int) or isinstance(fetched_at, bool):
            raise ValueError("fetched_at")
        return cls(
            as_of=str(data["as_of"]),
            source=str(data["source"]),
            prices={str(s): Decimal(v) for s, v in data["prices"].items()},
            market_caps={str(s): Decimal(v) for s, v in data["market_caps"].items()},
            fetched_at=fetched_at,
            carried_over=tuple(str(s) for s in data.get("carried_over") or ()),
            bundled_as_of=data.get("bundled_as_of"),
        )


class CurrentSnapshot(NamedTuple):
    snapshot: MarketSnapshot
    #: why this is not the snapshot asked for (refresh failed, cache stale); None if it is
    reason: str | None


# --- the bundled snapshot --------------------------------------------------------------------
def _bundled_data(path: Path | None) -> dict[str, Any]:
    return json.loads((path or resources_dir() / "market_snapshot.json").read_text(encoding="utf-8"))


def load_bundled(path: Path | None = None) -> MarketSnapshot:
    """The dated snapshot shipped with the app (``resources/market_snapshot.json``)."""
    data = _bundled_data(path)
    tokens = data["tokens"]
    return MarketSnapshot(
        as_of=data["as_of"],
        source=BUNDLED,
        prices={t["symbol"]: Decimal(t["price_usd"]) for t in tokens},
        market_caps={t["symbol"]: Decimal(t["market_cap_usd"]) for t in tokens},
        bundled_as_of=data["as_of"],
    )


def listed_tokens(path: Path | None = None) -> list[ListedToken]:
    """The bundled snapshot's tokens (the demo network deploys exactly these)."""
    return [ListedToken(t["symbol"], t["name"], int(t["decimals"]), t["mainnet_address"],
                        t.get("category", ""))
            for t in _bundled_data(path)["tokens"]]


# --- the online refresh ----------------------------------------------------------------------
def fetch_coingecko(base: MarketSnapshot, *, base_url: str = COINGECKO_URL,
                    timeout: float = TIMEOUT_SECONDS, now: float | None = None) -> MarketSnapshot:
    """Current USD prices and market caps for ``base``'s tokens from CoinGecko. Tokens it
    lacks keep ``base``'s values (listed in ``carried_over``). Raises MarketDataUnavailable."""
    import http.client  # with urllib.request (ssl, email): ~25 ms, so only when fetching
    import urllib.error
    import urllib.parse
    import urllib.request

    wanted = {s: COINGECKO_IDS[s] for s in base.prices if s in COINGECKO_IDS}
    if not wanted:
        raise MarketDataUnavailable("no token of the snapshot has a CoinGecko id")
    query = urllib.parse.urlencode({"vs_currency": "usd", "ids": ",".join(sorted(set(wanted.values()))),
                                    "per_page": 250, "page": 1})
    url = f"{base_url.rstrip('/')}/api/v3/coins/markets?{query}"
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": f"basketry/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise MarketDataUnavailable(f"CoinGecko answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise MarketDataUnavailable(f"CoinGecko did not answer within {timeout:g} s") from None
        raise MarketDataUnavailable(f"cannot reach CoinGecko ({reason})") from None
    except TimeoutError:
        raise MarketDataUnavailable(f"CoinGecko did not answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise MarketDataUnavailable(f"cannot reach CoinGecko ({exc})") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise MarketDataUnavailable("CoinGecko's answer is unexpectedly large")
    try:
        rows = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    except ValueError:
        raise MarketDataUnavailable("CoinGecko's answer is not JSON") from None
    if not isinstance(rows, list):
        raise MarketDataUnavailable("CoinGecko's answer is not a list of coins")

    by_id: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        price, cap = _positive(row.get("current_price")), _positive(row.get("market_cap"))
        if isinstance(row.get("id"), str) and price is not None and cap is not None:
            by_id[row["id"]] = (price, cap)
    prices, caps, carried = dict(base.prices), dict(base.market_caps), []
    for symbol in base.prices:
        found = by_id.get(wanted.get(symbol, ""))
        if found is None:
            carried.append(symbol)
        else:
            prices[symbol], caps[symbol] = found
    if len(carried) == len(base.prices):
        raise MarketDataUnavailable("CoinGecko's answer had no usable price for any token")
    moment = time.time() if now is None else now
    return MarketSnapshot(
        as_of=datetime.fromtimestamp(int(moment), UTC).isoformat().replace("+00:00", "Z"),
        source=COINGECKO,
        prices=prices,
        market_caps=caps,
        fetched_at=int(moment),
        carried_over=tuple(carried),
        bundled_as_of=base.bundled_as_of or base.as_of,
    )


def _positive(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


# --- the snapshot to use ---------------------------------------------------------------------
def cached_snapshot(store: SettingsStore | None) -> MarketSnapshot | None:
    """The last online snapshot kept in the store, whatever its age; None if none (or broken)."""
    if store is None:
        return None
    try:
        data = store.get_setting(CACHE_KEY)
        return None if data is None else MarketSnapshot.from_cache(data)
    except Exception as exc:  # a broken cache is as good as none; never stop the app for it
        log.warning("ignoring the cached market snapshot: %s", exc)
        return None


def is_fresh(snapshot: MarketSnapshot, now: float | None = None) -> bool:
    if snapshot.fetched_at is None:
        return False
    age = (time.time() if now is None else now) - snapshot.fetched_at
    return 0 <= age < FRESH_SECONDS


def current_snapshot(store: SettingsStore | None, refresh: bool = False, *,
                     base_url: str = COINGECKO_URL, timeout: float = TIMEOUT_SECONDS,
                     now: float | None = None, bundled_path: Path | None = None) -> CurrentSnapshot:
    """The market snapshot to use now, and why it is not the one asked for (None if it is).

    ``refresh=False``: the cached online snapshot if under an hour old, else the bundled one.
    ``refresh=True``: fetch from CoinGecko and cache it (``store`` may be None: no cache);
    on failure the fresh cached one, else the bundled one, with the reason. Never raises."""
    bundled = load_bundled(bundled_path)
    cached = cached_snapshot(store)
    usable = cached if cached is not None and is_fresh(cached, now) else None
    if refresh:
        try:
            fresh = fetch_coingecko(bundled, base_url=base_url, timeout=timeout, now=now)
        except MarketDataUnavailable as exc:
            log.info("market refresh failed: %s", exc)
            if usable is not None:
                return CurrentSnapshot(usable, f"refresh failed: {exc}; using the CoinGecko "
                                               f"prices cached at {usable.as_of}")
            return CurrentSnapshot(bundled, f"refresh failed: {exc}; using the bundled "
                                            f"snapshot of {bundled.as_of}")
        if store is not None:
            try:
                store.set_setting(CACHE_KEY, fresh.to_cache())
            except Exception as exc:  # the answer is still good; only the cache is lost
                log.warning("could not cache the market snapshot: %s", exc)
        return CurrentSnapshot(fresh, None)
    if usable is not None:
        return CurrentSnapshot(usable, None)
    if cached is not None:
        return CurrentSnapshot(bundled, f"the CoinGecko prices cached at {cached.as_of} are over "
                                        f"an hour old; using the bundled snapshot of {bundled.as_of}")
    return CurrentSnapshot(bundled, None)
