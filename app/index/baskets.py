"""Index (basket) definitions: load, validate, and turn into target weights. Pure; Decimal only.

A definition is a JSON object (``resources/indices/*.json`` or a user's file)::

    {"name": "Top 10", "description": "...",
     "weighting": "market_cap" | "equal" | "fixed", "max_weight": 0.25,
     "constituents": [{"token": "WBTC", "weight": 0.6}, {"token": "0x...", "weight": 0.4}]}

Rules (each broken one is an ``InvalidInput`` naming the entry, e.g.
``constituent 3 (FOO): unknown token on this network``):

- ``name``, ``weighting`` and ``constituents`` are required; ``description`` (default "") and
  ``max_weight`` (default 1, i.e. no cap) are optional; any other key is refused (a typo such as
  ``"weigths"`` must not be silently ignored). Entries take ``token`` and ``weight`` only.
- ``token`` is a symbol known on the network (exact, else case-insensitive if that is
  unambiguous; of several tokens with one symbol, the network's own, else refused with every
  address) or an address: 20 bytes of hex, and if written in mixed case it must be the
  EIP-55 checksum (all-lower or all-upper case carries no checksum and is accepted).
- On a public network a symbol is first looked up in the network's canonical choices
  (``app.index.canonical``, passed as ``choices``): the token that stands for it there (on Base
  WBTC is cbBTC, kept as ``listed_as="WBTC"`` for its market cap), or a skip with the reason
  (``skipped``: "LINK: not on Base's token list"). A basket whose remaining constituents
  cannot respect its cap is ``unavailable`` there (listed, with the reason; not buyable).
- The same token twice (by symbol, by address, or one of each) is refused.
- ``weight`` is required for ``fixed``. For ``market_cap`` and ``equal`` it is ignored, but it
  must still be a positive number if present: a malformed or non-positive weight is a mistake
  in the file (often "meant fixed"), and ignoring it would hide that. Non-fixed constituents
  always carry ``weight=None``.
- Weights and ``max_weight`` are JSON numbers or decimal strings, read as ``Decimal`` (never
  float). Fixed weights must each be > 0 and <= ``max_weight`` and sum to 1 within 1e-9.
- ``max_weight`` is in (0, 1] and ``max_weight * n >= 1`` for the n entries of the file (else no
  allocation can respect it); fixed weights are checked over every entry, skipped ones
  included, and the remaining ones rescaled.

Target weights are quantized to 1e-18 and sum to exactly 1: rounding is done downwards and the
remainder (< n * 1e-18) goes to the last constituent that has room under the cap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Protocol

from app.errors import InvalidInput
from app.index.canonical import Choice
from app.index.market import listed_tokens
from app.inputs import clean_text, decimal_problem, parse_address
from app.paths import resources_dir
from app.tokens.universe import ambiguity, candidates

WEIGHTINGS = ("market_cap", "equal", "fixed")
REQUIRED_KEYS = ("name", "weighting", "constituents")
OPTIONAL_KEYS = ("description", "max_weight")
ENTRY_KEYS = ("token", "weight")
FIXED_SUM_TOLERANCE = Decimal("1e-9")
WEIGHT_QUANTUM = Decimal("1e-18")
NO_CAP = Decimal(1)
_PRECISION = 60  # digits for intermediate weight arithmetic (Decimal's default is 28)


class TokenLike(Protocol):
    symbol: str
    address: str  # checksummed (EIP-55) by whoever lists the tokens
    decimals: int


@dataclass(frozen=True)
class Constituent:
    symbol: str
    address: str  # checksummed, as known on the network
    weight: Decimal | None = None  # set for "fixed" only
    listed_as: str | None = None  # the basket's symbol when the network's token has another (cbBTC: WBTC)

    @property
    def constituent(self) -> str:
        """The basket's symbol: what the market snapshot prices (WBTC for Base's cbBTC)."""
        return self.listed_as or self.symbol


@dataclass(frozen=True)
class Skipped:
    symbol: str  # as written in the basket
    reason: str  # "not on Base's token list"

    def __str__(self) -> str:
        return f"{self.symbol}: {self.reason}"


@dataclass(frozen=True)
class BasketDefinition:
    name: str
    description: str
    weighting: str  # one of WEIGHTINGS
    max_weight: Decimal  # 1 means no cap
    constituents: tuple[Constituent, ...]  # those on the network, in file order
    skipped: tuple[Skipped, ...] = ()      # those not on the network, with the reason

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(c.symbol for c in self.constituents)

    @property
    def unavailable(self) -> str | None:
        """Why this basket cannot be bought on the network, or None."""
        total = len(self.constituents) + len(self.skipped)
        if not self.constituents:
            return f"none of its {total} constituents is on this network"
        if self.max_weight * len(self.constituents) < 1:
            return (f"only {len(self.constituents)} of its {total} constituents are on this "
                    f"network: with at most {_pct(self.max_weight)} each they cannot make up the "
                    "whole basket")
        return None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (decimal strings), e.g. for ``index list --json``."""
        return {
            "name": self.name,
            "description": self.description,
            "weighting": self.weighting,
            "max_weight": str(self.max_weight),
            "constituents": [
                {"symbol": c.symbol, "constituent": c.constituent, "address": c.address,
                 "weight": None if c.weight is None else str(c.weight)}
                for c in self.constituents
            ],
            "skipped": [{"symbol": s.symbol, "reason": s.reason} for s in self.skipped],
            "unavailable": self.unavailable,
        }


@dataclass(frozen=True)
class Basket:
    """A validated definition resolved on one network, with where it came from."""

    definition: BasketDefinition
    tokens: tuple[TokenLike, ...]  # in constituent order
    source: Path

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def symbols(self) -> tuple[str, ...]:
        return self.definition.symbols

    def token(self, symbol: str) -> TokenLike:
        for token in self.tokens:
            if token.symbol == symbol:
                return token
        raise KeyError(symbol)

    def target_weights(self, market_caps: Mapping[str, Any] | None = None) -> dict[str, Decimal]:
        return target_weights(self.definition, market_caps)


# --- loading ---------------------------------------------------------------------------------
def builtin_dir() -> Path:
    return resources_dir() / "indices"


def builtin_paths(directory: Path | None = None) -> list[Path]:
    return sorted((directory or builtin_dir()).glob("*.json"))


def list_baskets(known: Mapping[str, TokenLike] | Iterable[TokenLike] | None = None,
                 *, directory: Path | None = None,
                 choices: Mapping[str, Choice] | None = None) -> list[BasketDefinition]:
    """Every built-in definition, validated, sorted by name.

    ``known`` defaults to the tokens of the bundled market snapshot (with their MAINNET
    addresses): pass the network's tokens (and its canonical ``choices``) to get the tokens
    used there."""
    if known is None:
        known = listed_tokens()
    definitions = [_load_file(path, known, choices) for path in builtin_paths(directory)]
    return sorted(definitions, key=lambda d: d.name.lower())


def load_basket(name_or_path: str | Path, known: Mapping[str, TokenLike] | Iterable[TokenLike],
                *, directory: Path | None = None, choices: Mapping[str, Choice] | None = None) -> Basket:
    """A built-in basket by name or file stem ("Top 10", "top10", "btc_eth_60_40"; case,
    spaces and punctuation ignored), else a path to a JSON file in the same format."""
    tokens = list(_tokens(known))
    text = str(name_or_path).strip()
    path: Path | None = None
    if not text.lower().endswith(".json"):
        wanted = _name_key(text)
        for candidate in builtin_paths(directory):
            if wanted == _name_key(candidate.stem) or wanted == _name_key(_declared_name(candidate)):
                path = candidate
                break
    if path is None:
        path = Path(text).expanduser()
        if not path.is_file():
            names = ", ".join(_declared_name(p) or p.stem for p in builtin_paths(directory))
            raise InvalidInput(f"unknown basket {text!r}: not a built-in index ({names}) "
                               "nor a JSON file that exists")
    definition = _load_file(path, tokens, choices)
    by_address = {t.address.lower(): t for t in tokens}
    resolved = tuple(by_address[c.address.lower()] for c in definition.constituents)
    return Basket(definition, resolved, path)


def _load_file(path: Path, known, choices=None) -> BasketDefinition:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the basket file ({exc})") from exc
    return validate_definition(text, known, source=path.name, choices=choices)


def _declared_name(path: Path) -> str:
    """The "name" inside a built-in file, or "" (a broken file is reported when loaded)."""
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        return ""
    return name if isinstance(name, str) else ""


def _name_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


# --- validation ------------------------------------------------------------------------------
def validate_definition(data: str | bytes | Mapping[str, Any],
                        known: Mapping[str, TokenLike] | Iterable[TokenLike],
                        *, source: str | None = None,
                        choices: Mapping[str, Choice] | None = None) -> BasketDefinition:
    """Check a definition (JSON text or an already-parsed object) against the tokens known on
    the network (and its canonical ``choices``, see the module's docstring). Raises
    ``InvalidInput`` whose message names the entry at fault (and starts with ``source``, e.g.
    the file name, if given)."""
    prefix = f"{source}: " if source else ""

    def fail(message: str) -> InvalidInput:
        return InvalidInput(prefix + message)

    if isinstance(data, (str, bytes, bytearray)):
        try:
            data = json.loads(data, parse_float=_JsonNumber, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise fail(f"not valid JSON ({exc})") from None
    if not isinstance(data, Mapping):
        raise fail(f"a basket definition must be a JSON object, not {_json_type(data)}")

    unknown = [k for k in data if k not in REQUIRED_KEYS + OPTIONAL_KEYS]
    if unknown:
        raise fail(f"unknown key {', '.join(repr(k) for k in unknown)} (allowed: "
                   + ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS) + ")")
    for key in REQUIRED_KEYS:
        if key not in data:
            raise fail(f"missing key {key!r}")

    name = data["name"]
    if not isinstance(name, str) or not name.strip():
        raise fail("'name' must be a non-empty string")
    name = name.strip()
    description = data.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        raise fail("'description' must be a string")
    weighting = data["weighting"]
    if weighting not in WEIGHTINGS:
        raise fail(f"'weighting' must be one of {', '.join(WEIGHTINGS)}, not {weighting!r}")

    raw_cap = data.get("max_weight")
    if raw_cap is None:
        max_weight = NO_CAP
    else:
        try:
            max_weight: Decimal | None = _user_number(raw_cap, "'max_weight'", fail)
        except InvalidInput:
            max_weight = None
        if max_weight is None or not (0 < max_weight <= 1):
            raise fail(f"'max_weight' must be a number in (0, 1], not {_show(raw_cap)}")

    entries = data["constituents"]
    if not isinstance(entries, list):
        raise fail(f"'constituents' must be a list, not {_json_type(entries)}")
    if not entries:
        raise fail("'constituents' is empty: a basket needs at least one token")

    index = _TokenIndex(known, choices)
    constituents: list[Constituent] = []
    skipped: list[Skipped] = []
    fixed_weights: list[Decimal] = []  # every entry's, skipped ones included
    seen: dict[str, tuple[int, str]] = {}  # lower-case address -> (1-based entry number, symbol)
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            raise fail(f"constituent {number}: must be an object like {{\"token\": \"WBTC\"}}, "
                       f"not {_json_type(entry)}")
        given = entry.get("token")
        label = f"constituent {number} ({given})" if isinstance(given, str) and given.strip() \
            else f"constituent {number}"
        extra = [k for k in entry if k not in ENTRY_KEYS]
        if extra:
            raise fail(f"{label}: unknown key {', '.join(repr(k) for k in extra)} "
                       f"(allowed: {', '.join(ENTRY_KEYS)})")
        if "token" not in entry:
            raise fail(f"{label}: missing key 'token'")
        if not isinstance(given, str) or not given.strip():
            raise fail(f"{label}: 'token' must be a symbol or an address, not {_show(given)}")
        token = index.resolve(given.strip(), lambda message, label=label: fail(f"{label}: {message}"))
        if isinstance(token, Skipped):
            key = "skipped:" + token.symbol.lower()
        else:
            key = token.address.lower()
        if key in seen:
            raise fail(f"{label}: duplicate of constituent {seen[key][0]} ({seen[key][1]}); each "
                       "token may appear once")
        seen[key] = (number, given.strip() if isinstance(token, Skipped) else token.symbol)

        weight: Decimal | None = None
        raw_weight = entry.get("weight")
        if raw_weight is not None:
            weight = _user_number(raw_weight, f"{label}: 'weight'", fail)
            if weight <= 0:
                raise fail(f"{label}: weight must be positive, not {raw_weight}")
        if weighting == "fixed":
            if weight is None:
                raise fail(f"{label}: a fixed-weight basket needs a 'weight' on every constituent")
            if weight > max_weight:
                raise fail(f"{label}: weight {weight} is above max_weight {max_weight}")
            fixed_weights.append(weight)
        else:
            weight = None  # ignored for market_cap and equal (validated above all the same)
        if isinstance(token, Skipped):
            skipped.append(token)
            continue
        listed_as = index.listed_as(given.strip(), token)
        constituents.append(Constituent(token.symbol, token.address, weight, listed_as))

    count = len(entries)
    if max_weight * count < 1:
        raise fail(f"max_weight {max_weight} is too small for {count} constituent"
                   f"{'s' if count != 1 else ''}: together they could hold at most "
                   f"{_pct(max_weight * count)} of the basket (needs at least {_pct(Decimal(1) / count)} each)")
    if weighting == "fixed":
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            total = sum(fixed_weights, Decimal(0))
        if abs(total - 1) > FIXED_SUM_TOLERANCE:
            raise fail(f"fixed weights sum to {total}, not 1 (tolerance {FIXED_SUM_TOLERANCE})")
    return BasketDefinition(name, description, weighting, max_weight, tuple(constituents), tuple(skipped))


class _TokenIndex:
    def __init__(self, known, choices: Mapping[str, Choice] | None = None):
        self.tokens = list(_tokens(known))
        self.by_lower: dict[str, list[TokenLike]] = {}
        for t in self.tokens:
            self.by_lower.setdefault(t.symbol.lower(), []).append(t)
        self.by_address = {t.address.lower(): t for t in self.tokens}
        self.choices = {symbol.lower(): choice for symbol, choice in (choices or {}).items()}

    def listed_as(self, given: str, token: TokenLike) -> str | None:
        """The basket's symbol when the network's token stands for it under another one."""
        choice = None if given[:2].lower() == "0x" else self.choices.get(given.lower())
        return choice.constituent if choice is not None and choice.constituent != token.symbol else None

    def resolve(self, given: str, fail) -> TokenLike | Skipped:
        choice = None if given[:2].lower() == "0x" else self.choices.get(given.lower())
        if choice is not None:
            if choice.skipped:
                return Skipped(given, choice.reason)
            token = self.by_address.get(choice.address.lower())
            if token is None:
                raise fail(f"its token on this network, {choice.address}, is not among the known tokens")
            return token
        if given[:2].lower() == "0x":
            try:
                address = parse_address(given, "the address")
            except InvalidInput as exc:
                raise fail(str(exc)) from None
            token = self.by_address.get(address.lower())
            if token is None:
                raise fail("no token with this address on this network")
            return token
        matches = candidates(self.by_lower.get(given.lower(), []), given)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise fail(ambiguity(matches) + " (or the symbol's exact case, if that is unique)")
        raise fail("unknown token on this network")


def _tokens(known) -> Iterable[TokenLike]:
    return known.values() if isinstance(known, Mapping) else known


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


class _JsonNumber(str):
    """A JSON number with a fraction or exponent, kept as written for ``_user_number``."""


def _user_number(value: Any, what: str, fail) -> Decimal:
    """A number a person wrote in a basket file: a JSON number or a decimal string, read by
    app.inputs' plain-decimal rule (no exponents, separators or other scripts' digits). A
    leading "-" is read, so that the caller can say the number must be positive."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise fail(f"{what} must be a number, not {_show(value)}")
    if isinstance(value, int):
        return Decimal(value)
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        cleaned = clean_text(text, what)
    except InvalidInput as exc:
        raise fail(str(exc)) from None
    negative = cleaned.startswith("-")
    body = cleaned[1:] if negative else cleaned
    problem = decimal_problem(body)
    if problem:
        raise fail(f"{what} must be a number, not {_show(value)} ({problem})")
    return -Decimal(body) if negative else Decimal(body)


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a JSON number or decimal string; None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):  # only from callers passing parsed JSON: use its repr
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def _json_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number" if isinstance(value, (int, float, Decimal)) else type(value).__name__


def _show(value: Any) -> str:
    plain = isinstance(value, _JsonNumber) or not isinstance(value, (str, bool, type(None)))
    return str(value) if plain else json.dumps(value)


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01'), ROUND_DOWN).normalize():f}%"


# --- weights ---------------------------------------------------------------------------------
def target_weights(definition: BasketDefinition,
                   market_caps: Mapping[str, Any] | None = None) -> dict[str, Decimal]:
    """Target weight per symbol (constituent order), summing to exactly 1, none above the cap.

    - ``market_cap``: proportional to ``market_caps[symbol]`` (USD, > 0); a weight above
      ``max_weight`` is set to it and the excess shared among the others in proportion to
      their market caps, repeated until none is above the cap.
    - ``equal``: 1/n each.
    - ``fixed``: the definition's weights (rescaled by their sum, which is 1 within 1e-9).
    """
    if definition.unavailable:
        raise InvalidInput(f"{definition.name}: {definition.unavailable} ("
                           + "; ".join(map(str, definition.skipped)) + ")")
    if definition.weighting == "market_cap":
        if market_caps is None:
            raise InvalidInput(f"{definition.name}: market caps are needed for market-cap weights")
        scores = {}
        for c in definition.constituents:
            listed = c.constituent  # Base's cbBTC has WBTC's (bitcoin's) market cap
            if listed not in market_caps:
                raise InvalidInput(f"{definition.name}: no market cap for {listed}")
            cap = _decimal(market_caps[listed])
            if cap is None or cap <= 0:
                raise InvalidInput(f"{definition.name}: the market cap of {listed} must be a "
                                   f"positive number, not {market_caps[listed]}")
            scores[c.symbol] = cap
    elif definition.weighting == "equal":
        scores = {c.symbol: Decimal(1) for c in definition.constituents}
    elif definition.weighting == "fixed":
        scores = {c.symbol: c.weight for c in definition.constituents}
        if any(w is None or w <= 0 for w in scores.values()):
            raise InvalidInput(f"{definition.name}: fixed weighting needs a positive weight on "
                               "every constituent")
    else:
        raise InvalidInput(f"{definition.name}: unknown weighting {definition.weighting!r}")
    return _capped_proportional(scores, definition.max_weight)


def renormalise(weights: Mapping[str, Decimal], tradable: Iterable[str],
                max_weight: Decimal | None = None) -> dict[str, Decimal]:
    """Drop the legs not in ``tradable`` and rescale the rest to sum to 1, keeping them in
    proportion to their weights except that none goes above ``max_weight`` (pass the
    definition's; None means no cap). Raises ``InvalidInput`` if no leg is tradable or too few
    remain to respect the cap (a 25% cap needs at least 4)."""
    allowed = set(tradable)
    kept = {s: Decimal(w) for s, w in weights.items() if s in allowed and Decimal(w) > 0}
    if not kept:
        raise InvalidInput("no leg of the basket is tradable")
    cap = NO_CAP if max_weight is None else Decimal(max_weight)
    if cap * len(kept) < 1:
        raise InvalidInput(f"only {len(kept)} of {len(weights)} legs are tradable: with at most "
                           f"{_pct(cap)} per token they cannot make up the whole basket")
    return _capped_proportional(kept, cap)


def _capped_proportional(scores: Mapping[str, Decimal], cap: Decimal) -> dict[str, Decimal]:
    """Weights proportional to ``scores`` with none above ``cap`` (water-filling), quantized
    to 1e-18 and summing to exactly 1. Requires positive scores and ``cap * n >= 1``.

    Capping every overweight at once each round is exact: once a weight is over the cap,
    redistributing the excess only raises the others, so it stays capped in the solution
    w_i = min(cap, lambda * score_i)."""
    order = list(scores)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        capped: set[str] = set()
        while True:
            free = [s for s in order if s not in capped]
            if not free:
                raw = {s: cap for s in order}
                break
            room = 1 - cap * len(capped)
            total = sum((scores[s] for s in free), Decimal(0))
            raw = {s: cap if s in capped else room * scores[s] / total for s in order}
            over = {s for s in free if raw[s] > cap}
            if not over:
                break
            capped |= over
        weights = {s: raw[s].quantize(WEIGHT_QUANTUM, rounding=ROUND_DOWN) for s in order}
        remainder = 1 - sum(weights.values(), Decimal(0))
        for s in reversed(order):  # the last with room under the cap absorbs the rounding
            if remainder <= 0:
                break
            add = min(remainder, cap - weights[s])
            if add > 0:
                weights[s] += add
                remainder -= add
    return weights
