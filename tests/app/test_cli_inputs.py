"""Adversarial input through the real CLI on the devnet: each case is refused with one line
(JSON `{"error": ...}`, no traceback), and nothing is sent: the sender's nonce and the
journal stay as they were. The cases below were all accepted (several sent) before app.inputs."""

from __future__ import annotations

import json

import pytest

PASSWORD = "correct horse battery"
OTHER = "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"
DEAD = "0x000000000000000000000000000000000000dEaD"

SEND_CASES = [  # (to, amount, extra args, what the error says)
    (OTHER, "١", [], "U+0661 ARABIC-INDIC DIGIT ONE"),
    (OTHER, "১", [], "U+09E7 BENGALI DIGIT ONE"),
    (OTHER, "１", [], "U+FF11 FULLWIDTH DIGIT ONE"),
    (OTHER, "1_0", [], "no digit separators"),
    (OTHER, "1e-3", [], "no exponents"),
    (OTHER, "1e999999999", [], "no exponents"),
    (OTHER, "1e-999999999", [], "no exponents"),
    (OTHER, "9" * 5000, [], "too long"),
    (OTHER, "+1", [], "no sign"),
    (OTHER, "0,5", [], "no digit separators"),
    (OTHER, "0.5\u200b", [], "U+200B ZERO WIDTH SPACE"),
    (OTHER.lower().replace("b", "B", 1), "0.1", [], "wrong checksum"),
    ("vitalik.eth", "0.1", [], "names (ENS) are not resolved"),
    ("0x0000000000000000000000000000000000000000", "0.1", [], "the zero address"),
    (DEAD, "0.1", [], "burn address"),
    ("0x0000000000000000000000000000000000000004", "0.1", [], "precompile"),
    ("USDC_CONTRACT", "1", ["--token", "USDC"], "the USDC's own contract: tokens sent to it are lost"),
    ("SELF", "0.1", [], "your own sending address"),
]


@pytest.fixture
def demo_cli(cli):
    address = json.loads(cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n").stdout)["address"]
    deployment = json.loads((cli.home / "devnet" / "deployment.json").read_text())
    cli.usdc = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")
    cli.sender = address
    return cli


def _refused(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])["error"]


def test_adversarial_sends_are_refused_and_send_nothing(demo_cli):
    cli = demo_cli
    nonce = cli.chain.rpc("eth_getTransactionCount", [cli.sender, "latest"])
    for to, amount, extra, reason in SEND_CASES:
        to = {"USDC_CONTRACT": cli.usdc, "SELF": cli.sender}.get(to, to)
        result = cli("send", to, amount, *extra, "--yes", "--password-stdin", stdin=PASSWORD + "\n", check=False)
        error = _refused(result)
        assert reason in error, (to, amount, error)
    assert cli.chain.rpc("eth_getTransactionCount", [cli.sender, "latest"]) == nonce
    assert json.loads(cli("activity").stdout)["transactions"] == []


def test_an_unusual_recipient_goes_through_only_when_the_user_says_so(demo_cli):
    cli = demo_cli
    refused = cli("tx", "export-unsigned", "--to", DEAD, "--amount", "0.1", "--out", str(cli.home / "u.json"),
                  check=False)
    assert "--allow-unusual-recipient" in _refused(refused) and not (cli.home / "u.json").exists()
    before = cli.chain.balance(DEAD)
    sent = cli("send", DEAD.lower(), "0.1", "--allow-unusual-recipient", "--yes", "--password-stdin",
               stdin=PASSWORD + "\n")
    assert json.loads(sent.stdout)["to"] == DEAD and cli.chain.balance(DEAD) - before == 10**17
    # The signing summary said so, with the checksummed form of what was typed in lower case.
    assert "You chose to send to a well-known burn address" in sent.stderr
    assert f"Recipient read as {DEAD}" in sent.stderr


COMMAND_CASES = [  # (arguments, what the error says)
    (["index", "quote", "Top 10", "--amount", "١"], "U+0661"),
    (["index", "quote", "Top 10", "--amount", "1", "--slippage", "1e-1"], "no exponents"),
    (["index", "quote", "Top 10", "--amount", "1", "--slippage", "٠.5"], "U+0660"),
    (["vault", "quote", "dvUSDC", "--amount", "1_000"], "no digit separators"),
    (["vault", "quote", "0xZZ", "--amount", "1"], "is not an Ethereum address"),
    (["devnet", "advance", "--days", "nan"], "not a number"),
    (["devnet", "advance", "--days", "1e3"], "no exponents"),
    (["activity", "--limit", "١٠"], "U+0661"),
    (["tx", "speedup", "0x1234"], "not a transaction hash"),
    (["wallet", "create", "x", "--words", "١٢"], "U+0661"),
    (["wallet", "watch", "x", "vitalik.eth"], "names (ENS)"),
    (["wallet", "watch", "x\u202eevil", OTHER], "U+202E RIGHT-TO-LEFT OVERRIDE"),
    (["index", "fee", "1_0", "--recipient", OTHER], "no digit separators"),
    (["index", "fee", "10", "--recipient", DEAD], "burn address"),
    (["network", "set-rpc", "http://ехample.org"], "U+0435 CYRILLIC SMALL LETTER IE"),
]


def test_every_command_reads_numbers_and_addresses_strictly(demo_cli):
    wrong = []
    for args, reason in COMMAND_CASES:  # one account for all: each case is one CLI run
        error = _refused(demo_cli(*args, check=False))
        if reason not in error:
            wrong.append((args, reason, error))
    assert not wrong
