"""lenskit.parallel.ray without a cluster: lazy import, availability, addresses, early errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest

from lenskit.parallel import ray as lkray


def fresh_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run *code* in a new interpreter whose environment has no Ray or LensKit variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "LK_"))}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_importing_the_helpers_imports_no_ray() -> None:
    result = fresh_python(
        """
        import json, os, sys
        import lenskit.parallel.ray as lkray

        print(json.dumps({
            "imported": "ray" in sys.modules,
            "available": lkray.ray_available(),
            "active": lkray.ray_active(),
            "worker": lkray.is_ray_worker(),
            "switch": os.environ.get("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"),
        }))
        """
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts == {
        "imported": False,
        "available": lkray.ray_available(),
        "active": False,
        "worker": False,
        # Set for a later `import ray`: with no address, a cluster would be local.
        "switch": "0",
    }


def test_a_remote_address_in_the_environment_leaves_the_loopback_switch_alone() -> None:
    result = fresh_python(
        """
        import os
        import lenskit.parallel.ray
        print(os.environ.get("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"))
        """,
        LK_RAY_ADDRESS="10.1.2.3:6379",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_ray_is_unavailable_when_it_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what a failed import of ray looks like
    assert not lkray.ray_available()
    assert not lkray.ray_active()
    with pytest.raises(lkray.RayUnavailableError, match=r"pip install 'lenskit-config\[ray\]'"):
        lkray.init_cluster(address="127.0.0.1:6379")


@pytest.mark.parametrize("text", ["abc", "host:", ":6379", "10.0.0.1:99999", "10.0.0.1:port"])
def test_a_malformed_address_is_named(text: str) -> None:
    with pytest.raises(lkray.RayClusterError, match=f"Ray address '{text}' is not HOST:PORT"):
        lkray.init_cluster(address=text)


@pytest.mark.parametrize(
    ("text", "loopback"),
    [
        ("127.0.0.1:6379", True),
        ("localhost:6379", True),
        ("[::1]:6379", True),
        ("127.0.0.2:6379", True),
        ("10.0.0.5:6379", False),
        ("head.example.org:6379", False),
    ],
)
def test_loopback_addresses_are_recognised(text: str, loopback: bool) -> None:
    from lenskit.parallel.ray._address import parse_address

    parsed = parse_address(text)
    assert parsed is not None
    assert parsed.loopback is loopback


@pytest.mark.parametrize("text", ["auto", "ray://10.0.0.5:10001"])
def test_rays_own_address_forms_are_left_to_ray(text: str) -> None:
    from lenskit.parallel.ray._address import parse_address

    assert parse_address(text) is None


def test_cluster_options_for_an_existing_cluster_are_refused() -> None:
    with pytest.raises(
        ValueError, match="num_cpus and resources apply to a cluster LensKit starts"
    ):
        lkray.init_cluster(address="10.0.0.5:6379", num_cpus=4)


@pytest.mark.ray
@pytest.mark.skipif(not lkray.ray_available(), reason="Ray is not installed")
def test_nothing_listening_at_the_address_fails_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(lkray.RayClusterError) as err:
            lkray.init_cluster(address=f"127.0.0.1:{port}")
    message = str(err.value)
    assert message.startswith(f"cannot reach the Ray cluster at 127.0.0.1:{port}: ")
    assert "connection refused" in message
    assert "\n" not in message
