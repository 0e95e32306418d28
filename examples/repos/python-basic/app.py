"""A small service module with planted problems (see README.md)."""
import os
import pickle
import subprocess


def run(command):
    # Planted: a shell command built from input (bandit B602).
    return subprocess.call(command, shell=True)


def load(blob):
    # Planted: unpickling untrusted data (bandit B301).
    return pickle.loads(blob)


def add(a: int, b: int) -> int:
    return a + b


def total() -> int:
    # Planted: a str where an int is expected (mypy arg-type).
    return add(1, "2")


def greet(name):
    # Planted: we recieve a name and never use the message (codespell).
    message = "Hello " + name
    return undefined_name


def badly_formatted(x,y):
    return {'x':x,'y':y}
