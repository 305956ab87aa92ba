// SPDX-License-Identifier: MIT
// Tests only (never on a user's money path, never deployed by the app): OpenZeppelin 5's ERC4626
// as it comes, no decimals offset (one virtual share), assets = what it holds: the second vault
// of the issue-11 donation front-run.
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

contract OzPlainTestVault is ERC4626 {
    constructor(IERC20 asset_) ERC20("OZ plain test vault", "ozvUSDC") ERC4626(asset_) {}
}
