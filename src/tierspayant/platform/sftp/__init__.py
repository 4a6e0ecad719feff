"""The SFTP mailboxes: the fund's side of the exchange, one mailbox (``in/``, ``out/``) per provider."""
