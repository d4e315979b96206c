"""Rewards: levels, XP and reputation, and the rank card."""
