// SPDX-License-Identifier: MIT
// Tests only (never on a user's money path, never deployed by the app): the smallest concrete
// Solmate ERC4626 (npm solmate 6.8.0, src/tokens/ERC4626.sol, which is abstract), whose assets
// are simply what it holds, so a donation moves its share price: the vault the issue-11
// donation front-run was measured on.
pragma solidity ^0.8.24;

import {ERC20} from "solmate/src/tokens/ERC20.sol";
import {ERC4626} from "solmate/src/tokens/ERC4626.sol";

contract SolmateTestVault is ERC4626 {
    constructor(ERC20 asset_) ERC4626(asset_, "Solmate test vault", "stvUSDC") {}

    function totalAssets() public view override returns (uint256) {
        return asset.balanceOf(address(this));
    }
}
