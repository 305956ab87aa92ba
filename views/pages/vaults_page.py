"""The Vaults page."""

from views.pages.placeholder import PlaceholderPage


class VaultsPage(PlaceholderPage):
    TITLE = "Vaults"
    PENDING = "ERC-4626 vault deposits, withdrawals and yield arrive with the vaults feature."
