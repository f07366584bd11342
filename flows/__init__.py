"""Orchestration: the Prefect flows of newsetl and its command-line interface."""
