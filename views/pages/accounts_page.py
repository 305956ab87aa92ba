"""The Accounts page."""

from views.pages.placeholder import PlaceholderPage


class AccountsPage(PlaceholderPage):
    TITLE = "Accounts"
    PENDING = "Wallets (local keys, Ledger, Trezor, watch-only) arrive with the accounts feature."
