"""The Index page."""

from views.pages.placeholder import PlaceholderPage


class IndexPage(PlaceholderPage):
    TITLE = "Index"
    PENDING = "Index baskets, their quotes and one-transaction buys arrive with the index feature."
