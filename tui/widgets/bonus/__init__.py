"""The Bonus's panes (training view, runs table, settings), their chart drawers and the run state they show."""
