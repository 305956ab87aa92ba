"""The Qt face of Basketry. Qt is imported here and nowhere else in the app."""
