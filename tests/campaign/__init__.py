"""The fault campaign: the command line and the window through every failure worth naming."""
