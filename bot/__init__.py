"""ZhasBot: the ZHAS PROJECT call-centre bot."""
