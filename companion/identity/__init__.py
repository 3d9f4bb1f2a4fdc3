"""Knowing who someone is: the signed links the app hands out (an invite, each person's own link),
the signing key behind them, the addresses links are built from, and Teams sign-in."""
