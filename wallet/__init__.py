"""Keys and signing. No Qt, no network: signers talk only to local devices and the keyring,
and to the user only through a ``Prompts`` object the GUI or CLI provides."""
