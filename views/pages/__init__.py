"""The main window's pages, one module each, in navigation order."""

from views.pages.accounts_page import AccountsPage
from views.pages.activity_page import ActivityPage
from views.pages.index_page import IndexPage
from views.pages.portfolio_page import PortfolioPage
from views.pages.settings_page import SettingsPage
from views.pages.vaults_page import VaultsPage

PAGE_CLASSES = (PortfolioPage, IndexPage, VaultsPage, ActivityPage, AccountsPage, SettingsPage)

__all__ = [
    "PAGE_CLASSES",
    "AccountsPage",
    "ActivityPage",
    "IndexPage",
    "PortfolioPage",
    "SettingsPage",
    "VaultsPage",
]
