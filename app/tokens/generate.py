"""Make ``resources/tokenlists/uniswap-default.json`` from the npm package (the standard source).

    python -m app.tokens.generate            # npm pack the pinned version, write the bundle
    python -m app.tokens.generate --check    # exit 1 if the committed bundle differs
    python -m app.tokens.generate --source FILE.tgz|tokenlist.json

The package is fetched with ``npm pack`` (the ordinary client, whichever registry npm is set to
use) and its tarball checked against the pinned integrity before anything is read. The bundle
keeps the chains of ``CHAIN_IDS`` and, per token, symbol, name, decimals, EIP-55 address and
logoURI, sorted by symbol then address so that a new list version diffs readably. Nothing in it
depends on when it was generated, so the same package always gives the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from app.errors import BasketryError
from app.tokens.tokenlist import CHAIN_IDS, MAX_DECIMALS, bundled_path

PACKAGE = "@uniswap/default-token-list"
VERSION = "22.21.0"
#: ``npm pack --json`` of the pinned version: the tarball must hash to this.
INTEGRITY = "sha512-X6OAvgmVR8lqd8Reyjm8pAozrWZXdfjlgevDSFofKafZD5SFXCMBnLPXImMcMdh0I15hre/1EO0xXL6h37KWYQ=="
LIST_FILE = "package/build/uniswap-default.tokenlist.json"
LICENSE = "GPL-3.0-or-later (the npm package's license; the list's data, not its code, is bundled)"


class PackageUnavailable(BasketryError):
    """npm or the pinned package cannot be reached here."""


def fetch_tarball(timeout: float = 120.0) -> bytes:
    """The pinned package's tarball, integrity checked. Raises PackageUnavailable."""
    npm = shutil.which("npm")
    if npm is None:
        raise PackageUnavailable("npm is not installed")
    with tempfile.TemporaryDirectory() as folder:
        try:
            done = subprocess.run([npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", folder,
                                   "--silent"], capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PackageUnavailable(f"npm pack {PACKAGE}@{VERSION} did not finish ({exc})") from exc
        tarballs = list(Path(folder).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            raise PackageUnavailable(f"npm pack {PACKAGE}@{VERSION} failed: "
                                     + (done.stderr.strip().splitlines() or ["no tarball"])[-1])
        return check_integrity(tarballs[0].read_bytes())


def check_integrity(tarball: bytes) -> bytes:
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != INTEGRITY:
        raise BasketryError(f"{PACKAGE}@{VERSION}: the tarball's integrity is {digest}, not the "
                            f"pinned {INTEGRITY}: refusing to read it")
    return tarball


def tokenlist_from_tarball(tarball: bytes) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(LIST_FILE)
        if member is None:
            raise BasketryError(f"{PACKAGE}@{VERSION} has no {LIST_FILE}")
        return member.read()


def build_bundle(raw: bytes) -> dict[str, Any]:
    """The bundle's content from the package's token list (pure). Raises ValueError naming the
    token at fault if the list breaks a rule the app relies on."""
    from eth_utils import is_hex_address, to_checksum_address  # keccak: the generator only

    data = json.loads(raw)
    version = data["version"]
    list_version = f"{version['major']}.{version['minor']}.{version['patch']}"
    if list_version != VERSION:
        raise ValueError(f"the list says version {list_version}, the package is {VERSION}")
    chains: dict[str, list[dict[str, Any]]] = {}
    for chain_id in CHAIN_IDS:
        seen: set[str] = set()
        entries = []
        for token in data["tokens"]:
            if token.get("chainId") != chain_id:
                continue
            where = f"chain {chain_id}, {token.get('symbol')!r} {token.get('address')}"
            address = token.get("address")
            if not isinstance(address, str) or not is_hex_address(address):
                raise ValueError(f"{where}: not an address")
            decimals = token.get("decimals")
            if type(decimals) is not int or not 0 <= decimals <= MAX_DECIMALS:
                raise ValueError(f"{where}: decimals must be a whole number 0..{MAX_DECIMALS}")
            symbol, name = token.get("symbol"), token.get("name")
            if not isinstance(symbol, str) or not symbol.strip() or not isinstance(name, str):
                raise ValueError(f"{where}: symbol and name must be strings")
            checksummed = to_checksum_address(address)
            if checksummed.lower() in seen:
                raise ValueError(f"{where}: the same address twice")
            seen.add(checksummed.lower())
            entry = {"symbol": symbol, "name": name, "decimals": decimals, "address": checksummed}
            if isinstance(token.get("logoURI"), str):
                entry["logoURI"] = token["logoURI"]
            entries.append(entry)
        entries.sort(key=lambda e: (e["symbol"].lower(), e["symbol"], e["address"].lower()))
        chains[str(chain_id)] = entries
    return {
        "about": "Generated by `python -m app.tokens.generate` from the npm package named below; "
                 "do not edit by hand. Per chain id: symbol, name, decimals, EIP-55 address, logoURI.",
        "package": f"{PACKAGE}@{VERSION}",
        "source_file": LIST_FILE.removeprefix("package/"),
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "license": LICENSE,
        "list_name": data["name"],
        "list_version": list_version,
        "list_timestamp": data["timestamp"],
        "chains": chains,
    }


def render(bundle: dict[str, Any]) -> str:
    """One token per line: readable diffs, a small file."""
    head = {k: v for k, v in bundle.items() if k != "chains"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "chains": {')
    chain_ids = list(bundle["chains"])
    for i, chain_id in enumerate(chain_ids):
        tokens = bundle["chains"][chain_id]
        lines.append(f"    {json.dumps(chain_id)}: [")
        lines += [f"      {json.dumps(t, ensure_ascii=False)}" + ("," if j < len(tokens) - 1 else "")
                  for j, t in enumerate(tokens)]
        lines.append("    ]" + ("," if i < len(chain_ids) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def generate(source: Path | None = None) -> str:
    """The bundle's text, from ``source`` (a .tgz or the list JSON) or the fetched package."""
    if source is None:
        raw = tokenlist_from_tarball(fetch_tarball())
    elif source.name.endswith((".tgz", ".tar.gz")):
        raw = tokenlist_from_tarball(check_integrity(source.read_bytes()))
    else:
        raw = source.read_bytes()
    return render(build_bundle(raw))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.tokens.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, help="the package tarball or its tokenlist JSON (default: npm pack)")
    parser.add_argument("--out", type=Path, default=bundled_path())
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    try:
        text = generate(args.source)
    except (BasketryError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from'} {PACKAGE}@{VERSION}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(args.out)
    counts = ", ".join(f"{c}: {len(json.loads(text)['chains'][str(c)])}" for c in CHAIN_IDS)
    print(f"wrote {args.out} from {PACKAGE}@{VERSION} (tokens per chain id {counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
