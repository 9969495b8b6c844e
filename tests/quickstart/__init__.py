"""The README's Quickstart, built from ``django-admin startproject`` and used in Chromium."""
