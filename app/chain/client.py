"""The one way the app talks to a chain: web3 with timeouts, read-only retries, and the app's
own error types.

Reads that are safe to repeat are retried on connection errors; nothing that sends or
changes state is ever retried here (the transaction lifecycle decides about resending).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import requests
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    ContractPanicError,
    ProviderConnectionError,
    TimeExhausted,
    TransactionNotFound,
    Web3Exception,
    Web3RPCError,
)
from web3.providers.rpc import HTTPProvider
from web3.providers.rpc.utils import ExceptionRetryConfiguration

from app.chain.multicall import (
    MULTICALL3_ADDRESS,
    Call,
    CallResult,
    decode_aggregate3,
    encode_aggregate3,
)
from app.errors import ChainError, ChainUnavailable, ContractReverted

# JSON-RPC methods that only read: repeating one after a dropped connection is harmless.
READ_METHODS = (
    "eth_chainId", "eth_blockNumber", "eth_getBalance", "eth_getCode", "eth_getStorageAt",
    "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getTransactionByHash",
    "eth_getTransactionReceipt", "eth_getTransactionCount", "eth_call", "eth_estimateGas",
    "eth_feeHistory", "eth_maxPriorityFeePerGas", "eth_gasPrice", "eth_getLogs", "net_version",
)
CONNECTION_ERRORS = (requests.ConnectionError, requests.Timeout)
MULTICALL_CHUNK = 400  # calls per aggregate3 request; larger reads are split (see multicall)


@contextmanager
def translated_errors(rpc_url: str) -> Iterator[None]:
    """Turn web3/requests exceptions into the app's error types with user-readable text."""
    try:
        yield
    except CONNECTION_ERRORS + (ProviderConnectionError,) as exc:
        raise ChainUnavailable(f"cannot reach the RPC at {rpc_url}: {_short(exc)}") from exc
    except (ContractLogicError, ContractCustomError, ContractPanicError) as exc:
        reason = getattr(exc, "message", None) or str(exc)
        raise ContractReverted(f"the call reverted: {reason}", reason=reason) from exc
    except Web3RPCError as exc:
        raise ChainError(f"the RPC at {rpc_url} refused the request: {_short(exc)}") from exc
    except Web3Exception as exc:
        raise ChainError(f"chain error: {_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    """The root cause in a few words ("connection refused"), not urllib3's whole chain."""
    root: BaseException = exc
    while root.__context__ is not None or root.__cause__ is not None:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    if isinstance(root, ConnectionRefusedError) or "Connection refused" in str(exc):
        return "connection refused"
    if isinstance(root, TimeoutError) or isinstance(exc, requests.Timeout) or "timed out" in str(exc):
        return "timed out"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


class ChainClient:
    """A thin, typed wrapper over one RPC endpoint."""

    def __init__(self, rpc_url: str, *, timeout: float = 10.0, retries: int = 3):
        self.rpc_url = rpc_url
        self.submit_route = None  # set by app.connection: where signed transactions go (app.tx.submission)
        retry = ExceptionRetryConfiguration(
            errors=CONNECTION_ERRORS, retries=retries, backoff_factor=0.1,
            method_allowlist=list(READ_METHODS),
        ) if retries > 0 else None
        self.w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": timeout},
                                    exception_retry_configuration=retry))
        # web3's "validation" middleware asks eth_chainId before every eth_call (two extra round
        # trips per read); the chain id is verified once, on connect (app.connection). ENS
        # names are never used, so no lookup middleware either.
        self.w3.middleware_onion.remove("validation")
        self.w3.middleware_onion.remove("ens_name_to_address")

    # --- reads ---------------------------------------------------------------------------
    def chain_id(self) -> int:
        with translated_errors(self.rpc_url):
            return int(self.w3.eth.chain_id)

    def block_number(self) -> int:
        with translated_errors(self.rpc_url):
            return int(self.w3.eth.block_number)

    def block(self, number: int | str = "latest") -> dict[str, Any]:
        with translated_errors(self.rpc_url):
            return dict(self.w3.eth.get_block(number))

    def genesis_hash(self) -> str:
        return "0x" + bytes(self.block(0)["hash"]).hex()

    def balance(self, address: str, block: int | str = "latest") -> int:
        with translated_errors(self.rpc_url):
            return int(self.w3.eth.get_balance(to_checksum_address(address), block))

    def code(self, address: str) -> bytes:
        with translated_errors(self.rpc_url):
            return bytes(self.w3.eth.get_code(to_checksum_address(address)))

    def call(self, transaction: dict[str, Any], block: int | str = "latest") -> bytes:
        """``eth_call``; a revert raises ContractReverted with the decoded reason."""
        with translated_errors(self.rpc_url):
            return bytes(self.w3.eth.call(transaction, block))

    def estimate_gas(self, transaction: dict[str, Any]) -> int:
        with translated_errors(self.rpc_url):
            return int(self.w3.eth.estimate_gas(transaction))

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        with translated_errors(self.rpc_url):
            try:
                return dict(self.w3.eth.get_transaction_receipt(tx_hash))
            except TransactionNotFound:
                return None

    def contract(self, address: str, abi: list):
        return self.w3.eth.contract(address=to_checksum_address(address), abi=abi)

    def multicall(self, calls: Sequence[Call], block: int | str = "latest") -> list[CallResult]:
        """Many reads in ONE ``eth_call`` through Multicall3 (``aggregate3``).

        Each call may be allowed to fail (its result then has ``success=False``); a failing
        call that is not allowed to fail reverts the whole batch (ContractReverted).
        """
        if not calls:
            return []
        if len(calls) > MULTICALL_CHUNK:
            return self._chunked_multicall(calls, block)
        data = encode_aggregate3(calls)
        raw = self.call({"to": MULTICALL3_ADDRESS, "data": data}, block)
        if not raw:
            raise ChainError(f"this chain has no Multicall3 at {MULTICALL3_ADDRESS} (the RPC at "
                             f"{self.rpc_url} answered nothing); batched reads are unavailable")
        return decode_aggregate3(raw, calls)

    def _chunked_multicall(self, calls: Sequence[Call], block: int | str) -> list[CallResult]:
        """A read too large for one request (nodes cap a request body: anvil refused one
        multicall, and one batch, of every token on Ethereum's list): chunks of MULTICALL_CHUNK
        calls, one request each, all at ONE block so the answers stay consistent."""
        at = self.block_number() if block == "latest" else block
        results: list[CallResult] = []
        for start in range(0, len(calls), MULTICALL_CHUNK):
            results += self.multicall(calls[start:start + MULTICALL_CHUNK], at)
        return results

    def batch(self, requests: Sequence[tuple[str, list]]) -> list[Any]:
        """Several JSON-RPC requests in ONE HTTP round trip (reads only: not retried).

        Returns each result in order; an item that failed is returned as a ChainError (or a
        ContractReverted for a reverted call) instead of raising, so one failure does not hide
        the others.
        """
        if not requests:
            return []
        with translated_errors(self.rpc_url):
            responses = self.w3.provider.make_batch_request([(m, p) for m, p in requests])
        if not isinstance(responses, list):
            error = responses.get("error", {}) if isinstance(responses, dict) else {}
            raise ChainError(f"the RPC at {self.rpc_url} refused a batch: {error.get('message', responses)}")
        results: list[Any] = []
        for (method, _params), response in zip(requests, responses, strict=True):
            if "error" in response:
                error = response["error"]
                message = error.get("message", str(error))
                if method == "eth_call" and ("revert" in message.lower() or error.get("data")):
                    results.append(ContractReverted(f"the call reverted: {message}", reason=message))
                else:
                    results.append(ChainError(f"{method} failed: {message}"))
            else:
                results.append(response.get("result"))
        return results

    # --- writes and node control (never retried) -----------------------------------------
    def send_raw_transaction(self, raw: bytes | str) -> str:
        with translated_errors(self.rpc_url):
            return "0x" + bytes(self.w3.eth.send_raw_transaction(raw)).hex()

    def send_transaction(self, transaction: dict[str, Any]) -> str:
        """``eth_sendTransaction`` from an account the node unlocks (the devnet's deployer only)."""
        with translated_errors(self.rpc_url):
            return "0x" + bytes(self.w3.eth.send_transaction(transaction)).hex()

    def rpc(self, method: str, params: list | None = None) -> Any:
        """A raw JSON-RPC request (for node-specific methods like ``anvil_*``)."""
        with translated_errors(self.rpc_url):
            response = self.w3.provider.make_request(method, params or [])
        if "error" in response:
            raise ChainError(f"{method} failed: {response['error'].get('message', response['error'])}")
        return response.get("result")

    def wait_for_receipt(self, tx_hash: str, timeout: float = 120.0, poll: float = 0.05) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            receipt = self.receipt(tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() > deadline:
                with translated_errors(self.rpc_url):
                    raise TimeExhausted(f"no receipt for {tx_hash} after {timeout:.0f} s")
            time.sleep(poll)
