"""The migration guide and the todo demo, run as a reader would run them."""
