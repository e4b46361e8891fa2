"""Sorasori's common library: configuration, logging, the event envelope, stores, outbox and consumers."""
