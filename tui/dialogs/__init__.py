"""Modal dialogs: a question with named answers, a file path, a yes/no confirmation, a section's links."""
