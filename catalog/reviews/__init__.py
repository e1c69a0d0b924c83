"""Verified-buyer reviews: the rows and their public reading.

Who may review (a delivered order line, once) and writing one are the
orders' (``orders/reviews.py``); the cooperative's answer is the workspace's
and moderation the back office's. This package holds what the storefront
shows and the operations every room shares.
"""
