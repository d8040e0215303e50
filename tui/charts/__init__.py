"""Charts drawn with plotext: the Chart widget, its bounds, ticks and smoothing."""
