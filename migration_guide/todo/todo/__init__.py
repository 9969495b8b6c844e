"""The todo app: lists of items edited together, live, with who is looking shown."""
