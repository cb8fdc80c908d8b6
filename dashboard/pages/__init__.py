"""The eight pages of the left navigation."""
