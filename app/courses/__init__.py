"""Catalogue, course offerings, facilitator allocation and enrolments."""
