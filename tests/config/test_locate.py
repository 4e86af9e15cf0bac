"""The configuration folder is found like git finds a repository, never outside the project."""

from __future__ import annotations

from pathlib import Path

from lenskit.config import configuration_search_path, locate_configuration_root


def test_finds_lenskit_toml_in_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lenskit.toml").write_text("")
    assert locate_configuration_root(cwd=tmp_path) == tmp_path


def test_walks_up_to_the_first_folder_with_lenskit_toml(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lenskit.toml").write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert locate_configuration_root(cwd=deep) == tmp_path


def test_nearest_lenskit_toml_wins(tmp_path: Path) -> None:
    (tmp_path / "lenskit.toml").write_text("")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "lenskit.toml").write_text("")
    assert locate_configuration_root(cwd=inner) == inner


def test_stops_at_a_git_folder_without_lenskit_toml(tmp_path: Path) -> None:
    (tmp_path / "lenskit.toml").write_text("")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert locate_configuration_root(cwd=repo) is None


def test_stops_at_a_pyproject_without_lenskit_toml(tmp_path: Path) -> None:
    (tmp_path / "lenskit.toml").write_text("")
    package = tmp_path / "package"
    package.mkdir()
    (package / "pyproject.toml").write_text("")
    sub = package / "src"
    sub.mkdir()
    assert locate_configuration_root(cwd=sub) is None


def test_search_path_lists_folders_until_the_project_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert configuration_search_path(deep) == [deep, deep.parent, tmp_path]


def test_local_file_alone_does_not_mark_a_configuration_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lenskit.local.toml").write_text("")
    assert locate_configuration_root(cwd=tmp_path) is None


def test_a_folder_named_lenskit_toml_marks_the_root_so_loading_can_name_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "lenskit.toml").mkdir()
    assert locate_configuration_root(cwd=tmp_path) == tmp_path


def test_the_walk_can_pass_project_markers_when_asked(tmp_path: Path) -> None:
    (tmp_path / "lenskit.toml").write_text("")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("")
    found = locate_configuration_root(cwd=repo, abort_at_gitroot=False, abort_at_pyproject=False)
    assert found == tmp_path
