"""The Portfolio page."""

from views.pages.placeholder import PlaceholderPage


class PortfolioPage(PlaceholderPage):
    TITLE = "Portfolio"
    PENDING = "Holdings and P&L arrive with the portfolio feature."
