"""One module per course section: the computations behind each section's demos."""
