"""Keys: BIP-39/BIP-44 derivation (``hd``), password-encrypted keystores (``keystore``) and
the OS keyring that holds them (``keyring_vault``). Secrets leave this package only as
password-encrypted JSON or, briefly, as a key inside an unlocked ``LocalSigner``."""
