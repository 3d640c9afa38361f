"""Rasa server glue: the spaCy loader, NLU components, guarded channels and the NLG.

Thin layers over the plain-Python `sciatica` package, loaded in-process by the
Rasa server so that red-flag referrals never depend on the action server.
"""
