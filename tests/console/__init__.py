"""The debug console: its views, the backends' inspection and its live log."""
