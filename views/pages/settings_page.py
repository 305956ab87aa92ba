"""The Settings page."""

from views.pages.placeholder import PlaceholderPage


class SettingsPage(PlaceholderPage):
    TITLE = "Settings"
    PENDING = "Networks, RPC endpoints and preferences arrive with the settings feature."
