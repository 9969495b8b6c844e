"""Model serializers: what a model publishes to clients and what clients may write back."""

from .base import ModelSerializer
from .deserialization import DeserializationResult

__all__ = ["DeserializationResult", "ModelSerializer"]
