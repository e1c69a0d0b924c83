"""The cooperatives' money: payouts and the bank file, statements, member
distribution, reconciliation of the ledger with the records, policy
services, bank details (RIB), and the public fair-trade and impact pages."""
