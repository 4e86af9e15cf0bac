"""The configuration folder is found like git finds a repository, never outside the project."""

from __future__ import annotations

from pathlib import Path

from lenskit.config import configuration_search_path, locate_configuration_root


def test_finds_lenskit_toml_in_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lenskit.toml").write_text("")
    assert locate_configuration_root(tmp_path) == tmp_path


def test_walks_up_to_the_first_folder_with_lenskit_toml(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lenskit.toml").write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert locate_configuration_root(deep) == tmp_path


def test_nearest_lenskit_toml_wins(tmp_path: Path) -> None:
    (tmp_path / "lenskit.toml").write_text("")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "lenskit.toml").write_text("")
    assert locate_configuration_root(inner) == inner


def test_stops_at_a_git_folder_without_lenskit_toml(tmp_path: Path) -> None:
    (tmp_path / "lenskit.toml").write_text("")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert locate_configuration_root(repo) is None


def test_stops_at_a_pyproject_without_lenskit_toml(tmp_path: Path) -> None:
    (tmp_path / "lenskit.toml").write_text("")
    package = tmp_path / "package"
    package.mkdir()
    (package / "pyproject.toml").write_text("")
    sub = package / "src"
    sub.mkdir()
    assert locate_configuration_root(sub) is None


def test_search_path_lists_folders_until_the_project_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert configuration_search_path(deep) == [deep, deep.parent, tmp_path]


def test_local_file_alone_does_not_mark_a_configuration_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lenskit.local.toml").write_text("")
    assert locate_configuration_root(tmp_path) is None
