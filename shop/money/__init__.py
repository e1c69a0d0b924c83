"""Money's one home: amounts in integer centimes, the fair-trade split, the
policy versions, the double-entry ledger and the form fields that read
amounts. Pure core: nothing here imports a domain package (ARCHITECTURE.md).

- ``amounts``: parsing and plain writing of dirhams and percentages;
- ``split``: the fair-trade split of a sale (the only one, used by the
  product page and by orders alike);
- ``policy``: published versions of the split's numbers;
- ``ledger``: immutable, balanced journal entries; balances are sums;
- ``fields``: WTForms fields that read amounts and percentages.
"""
