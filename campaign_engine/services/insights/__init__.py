"""What the programme adds up to: the figures (figures.py, one definition each) and the
programme and runway reports built from them."""
