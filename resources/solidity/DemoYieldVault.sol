// SPDX-License-Identifier: MIT
// Demo network only: an OpenZeppelin 5 ERC-4626 vault whose share price grows with chain time.
//
// Assets owed to shareholders grow at `ratePerSecondWad` (simple interest between deposits and
// withdrawals, compounded at each of them). The growth is paid from a reserve of the asset
// that the deployer transfers to the vault; totalAssets() never reports more than the vault
// holds, so every share stays fully backed and withdrawable.
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

contract DemoYieldVault is ERC4626 {
    /// Growth per second, 1e18 = 100%: the stated APY divided by 365 days.
    uint256 public immutable ratePerSecondWad;
    /// The stated yearly rate in basis points, for display.
    uint256 public immutable apyBps;

    uint256 private _owed;        // assets owed to shareholders at _lastAccrual
    uint256 private _lastAccrual; // chain time of the last deposit or withdrawal

    constructor(IERC20 asset_, string memory name_, string memory symbol_, uint256 apyBps_)
        ERC20(name_, symbol_)
        ERC4626(asset_)
    {
        apyBps = apyBps_;
        ratePerSecondWad = (apyBps_ * 1e18) / 10_000 / 365 days;
        _lastAccrual = block.timestamp;
    }

    function totalAssets() public view override returns (uint256) {
        uint256 elapsed = block.timestamp - _lastAccrual;
        uint256 grown = _owed + (_owed * ratePerSecondWad * elapsed) / 1e18;
        uint256 held = IERC20(asset()).balanceOf(address(this));
        return grown < held ? grown : held;
    }

    function _accrue() private {
        _owed = totalAssets();
        _lastAccrual = block.timestamp;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares)
        internal
        override
    {
        _accrue();
        super._deposit(caller, receiver, assets, shares);
        _owed += assets;
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        _accrue();
        super._withdraw(caller, receiver, owner, assets, shares);
        _owed -= assets;
    }
}
