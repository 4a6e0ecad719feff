"""The physiotherapy practice side: set-up, patients, prescriptions, authorisation requests, titres, sessions,
monthly billing, return import, reconciliation, association statements and the IT flat rate.

Use it through :class:`tierspayant.schemes.lu_kin.practice.service.PracticeService`; it talks to the fund only through
files.
"""
