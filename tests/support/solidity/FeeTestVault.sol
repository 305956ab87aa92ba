// SPDX-License-Identifier: MIT
// Tests only (never on a user's money path, never deployed by the app): an OpenZeppelin 5
// ERC4626 with an entry and an exit fee in the style of OpenZeppelin's documentation example
// ERC4626Fees (mocks/docs, not in the npm package): previewDeposit/previewMint/previewWithdraw/
// previewRedeem charge the fee, convertToShares/convertToAssets do not, the fee goes to a
// recipient. 1% entry + 0.5% exit: previewDeposit(1000) = 990.099 where convertToShares = 1000.
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

contract FeeTestVault is ERC4626 {
    using Math for uint256;

    uint256 private constant _BASIS_POINT_SCALE = 1e4;
    uint256 public immutable entryFeeBps;
    uint256 public immutable exitFeeBps;
    address public immutable feeRecipient;

    constructor(IERC20 asset_, uint256 entryFeeBps_, uint256 exitFeeBps_, address feeRecipient_)
        ERC20("Fee test vault", "feeUSDC")
        ERC4626(asset_)
    {
        entryFeeBps = entryFeeBps_;
        exitFeeBps = exitFeeBps_;
        feeRecipient = feeRecipient_;
    }

    function previewDeposit(uint256 assets) public view override returns (uint256) {
        return super.previewDeposit(assets - _feeOnTotal(assets, entryFeeBps));
    }

    function previewMint(uint256 shares) public view override returns (uint256) {
        uint256 assets = super.previewMint(shares);
        return assets + _feeOnRaw(assets, entryFeeBps);
    }

    function previewWithdraw(uint256 assets) public view override returns (uint256) {
        return super.previewWithdraw(assets + _feeOnRaw(assets, exitFeeBps));
    }

    function previewRedeem(uint256 shares) public view override returns (uint256) {
        uint256 assets = super.previewRedeem(shares);
        return assets - _feeOnTotal(assets, exitFeeBps);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        uint256 fee = _feeOnTotal(assets, entryFeeBps);
        super._deposit(caller, receiver, assets, shares);
        if (fee > 0) SafeERC20.safeTransfer(IERC20(asset()), feeRecipient, fee);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        uint256 fee = _feeOnRaw(assets, exitFeeBps);
        super._withdraw(caller, receiver, owner, assets, shares);
        if (fee > 0) SafeERC20.safeTransfer(IERC20(asset()), feeRecipient, fee);
    }

    function _feeOnRaw(uint256 assets, uint256 feeBps) private pure returns (uint256) {
        return assets.mulDiv(feeBps, _BASIS_POINT_SCALE, Math.Rounding.Ceil);
    }

    function _feeOnTotal(uint256 assets, uint256 feeBps) private pure returns (uint256) {
        return assets.mulDiv(feeBps, feeBps + _BASIS_POINT_SCALE, Math.Rounding.Ceil);
    }
}
