"""The cooperative's workspace at /<lang>/producer/…: the application to sell,
dashboard, products, stock, lots, parcels, profile, certificates, members,
team, bank details and balance. Its own blueprint, forms and templates."""
