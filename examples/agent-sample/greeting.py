"""Greetings for the command line."""


def greet(name: str) -> str:
    """Say hello to someone."""
    return "Hello, " + name + "!"
