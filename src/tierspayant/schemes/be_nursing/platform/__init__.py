"""Belgian home nursing on the platform: REFAC behind the mailboxes, the mutuality's pages, the demo nurse."""
