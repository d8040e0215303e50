"""Section 4, poor conditioning: the screen, its Theory tab's text and the Demo's drawers and lines."""
