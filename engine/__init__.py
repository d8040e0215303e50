"""The computations of the course, with no user interface: PyTorch and numpy only."""
