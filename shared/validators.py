"""Validators shared by the services' schemas."""
from marshmallow import validate

INDIAN_MOBILE = validate.Regexp(r"^(\+91)?[6-9]\d{9}$", error="Not a 10-digit Indian mobile number.")
