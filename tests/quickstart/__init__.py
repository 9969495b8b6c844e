"""The Quickstart page, built from ``django-admin startproject`` and used in Chromium."""
