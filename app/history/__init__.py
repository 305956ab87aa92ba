"""History: the user's token movements found on chain, wherever they were made."""

from app.history.ranges import RangePolicy
from app.history.scan import ScanResult, scan_transfers

__all__ = ["RangePolicy", "ScanResult", "scan_transfers"]
