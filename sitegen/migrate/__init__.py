"""``sitegen import --from``: the issuers, badges and awards of another platform's export."""
