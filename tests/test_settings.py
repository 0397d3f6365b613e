import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_come_from_config_toml():
    settings = load_settings()
    assert settings.poll.max_body_bytes == 10_000_000 and settings.publish.digest_time == "18:00"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")


def test_environment_overrides_nested_values(monkeypatch):
    monkeypatch.setenv("SITREP_POLL__MAX_REDIRECTS", "3")
    monkeypatch.setenv("SITREP_SERVICE__LOG_FORMAT", "json")
    settings = load_settings()
    assert settings.poll.max_redirects == 3 and settings.service.log_format == "json"


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("SITREP_POLL__MAX_BODY_BYTES", "lots", "poll.max_body_bytes (env SITREP_POLL__MAX_BODY_BYTES)"),
        ("SITREP_PUBLISH__DIGEST_TIME", "25:00", "publish.digest_time"),
        ("SITREP_DATABASE_URL", "mysql://x", "database_url"),
        ("SITREP_POLL__ALLOW_PRIVATE", '["not a host!"]', "poll.allow_private"),
        ("SITREP_SERVICE__ROLE", "boss", "service.role"),
        ("SITREP_SERVICE__RETRAIN_CRON", "every sunday", "service.retrain_cron"),
        ("SITREP_SERVICE__RETENTION_CRON", "61 3 * * *", "service.retention_cron"),
        ("SITREP_POLL__MAX_REDIRECT", "3", "poll.max_redirect (env SITREP_POLL__MAX_REDIRECT): Extra inputs"),
    ],
)
def test_bad_values_stop_start_up_naming_the_setting(monkeypatch, env, value, named):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert named in str(error.value)


def test_unreadable_token_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("SITREP_DISCORD_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="discord_token_file: cannot read"):
        load_settings()


def test_cli_reports_bad_settings_with_exit_code_2(monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("SITREP_POLL__MAX_REDIRECTS", "-1")
    result = CliRunner().invoke(app, ["poll", "--once"])
    assert result.exit_code == 2 and "poll.max_redirects" in result.output


def test_a_misspelt_or_malformed_settings_file_is_named(monkeypatch, tmp_path):
    from bot.settings import Settings

    toml = tmp_path / "settings.toml"
    monkeypatch.setitem(Settings.model_config, "toml_file", toml)
    toml.write_text("[poll]\nmax_redirect = 3\n")  # the key is max_redirects
    with pytest.raises(SettingsError, match=r"poll\.max_redirect"):
        load_settings()
    toml.write_text("[poll\nmax_redirects = 3\n")
    with pytest.raises(SettingsError, match=r"settings.toml: not valid TOML"):
        load_settings()
