"""The doctor's side of the Luxembourg doctors' scheme (set-up, patients, fee notes; devices and flat rates)."""

from tierspayant.schemes.lu_doctors.practice.service import ActRequest, DoctorsPractice

__all__ = ["ActRequest", "DoctorsPractice"]
