"""The Activity page."""

from views.pages.placeholder import PlaceholderPage


class ActivityPage(PlaceholderPage):
    TITLE = "Activity"
    PENDING = "The history of every transaction the app sent arrives with the activity feature."
