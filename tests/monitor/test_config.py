"""Connector settings: environment over config file over defaults; bad files are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from ouroboros.errors import InputError
from ouroboros.monitor import MonitorConfig, load_config


def test_env_beats_file_beats_defaults(tmp_path: Path) -> None:
    f = tmp_path / "monitor.toml"
    f.write_text(
        '[sec]\nuser_agent = "File Person file@example.org"\n'
        '[fred]\napi_key = "ffffffffffffffffffffffffffffffff"\n'
        "[http]\nmax_retries = 7\ncache_ttl_hours = 1\n"
    )
    cfg = load_config(
        f,
        env={
            "FRED_API_KEY": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
            "OUROBOROS_CACHE_DIR": str(tmp_path / "c"),
        },
    )
    assert cfg.sec_user_agent == "File Person file@example.org"
    assert cfg.fred_api_key == "e" * 32
    assert (cfg.max_retries, cfg.cache_ttl_hours) == (7, 1.0)
    assert cfg.cache_dir == tmp_path / "c" and cfg.source_file == str(f)
    assert cfg.sec_base_url == "https://data.sec.gov"
    assert cfg.user_agent_problem() is None and cfg.fred_key_problem() is None


def test_sec_rate_is_capped_at_the_published_limit(tmp_path: Path) -> None:
    f = tmp_path / "m.toml"
    f.write_text("[sec]\nrate_per_second = 50\n")
    assert load_config(f, env={}).sec_rate_per_second == 10.0


def test_bad_config_files_are_named(tmp_path: Path) -> None:
    f = tmp_path / "m.toml"
    f.write_text("[http\nmax_retries = 3\n")
    with pytest.raises(InputError, match=r"m.toml: not valid TOML"):
        load_config(f, env={})
    f.write_text('[http]\nmax_retries = "many"\n')
    with pytest.raises(InputError, match=r"m.toml: max_retries has the wrong type \(str\)"):
        load_config(f, env={})
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "none.toml", env={})


def test_without_any_file_the_defaults_apply(tmp_path: Path) -> None:
    cfg = load_config(env={"OUROBOROS_MONITOR_CONFIG": str(tmp_path / "absent.toml")})
    assert cfg.sec_user_agent is None and cfg.source_file is None
    assert "no SEC User-Agent" in str(cfg.user_agent_problem())
    assert MonitorConfig().fred_rate_per_second == 2.0
