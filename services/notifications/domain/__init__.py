"""Pure rules of notifications: which message a fact gives whom, and when a send is tried again."""
