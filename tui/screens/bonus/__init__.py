"""The Bonus, putting it all together: the screen, its Sweep tab and its recipes dialog."""
