"""Small modal questions any widget may ask: named answers, a file path, yes or no."""
