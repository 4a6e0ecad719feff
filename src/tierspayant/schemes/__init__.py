"""The schemes, one per legal frame, each one folder with the same rooms (docs/adding-a-scheme.md).

Registering a scheme is one line here: the platform imports ``tierspayant.schemes.<name>.registration.SCHEME``.
"""

REGISTERED: tuple[str, ...] = ("lu_kin", "be_nursing", "lu_doctors")
