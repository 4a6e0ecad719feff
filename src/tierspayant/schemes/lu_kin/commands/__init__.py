"""The KIN command groups: ``kin`` (files), ``fund`` (the CNS engine), ``practice`` (the physiotherapist)."""
