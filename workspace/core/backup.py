"""Backups: placeholder until implemented."""


def make_backup(path: str) -> str:
    raise NotImplementedError


def restore_backup(path: str) -> None:
    raise NotImplementedError
