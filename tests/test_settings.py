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
        ("SITREP_POLL__MAX_REDIRECT", "3", "unknown variable SITREP_POLL__MAX_REDIRECT; did you mean "
         "SITREP_POLL__MAX_REDIRECTS?"),
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
    with pytest.raises(SettingsError, match=r"unknown key 'max_redirect' in \[poll\]; did you mean max_redirects"):
        load_settings()
    toml.write_text("[poll\nmax_redirects = 3\n")
    with pytest.raises(SettingsError, match=r"settings.toml: not valid TOML"):
        load_settings()


def test_list_settings_take_a_comma_separated_value_or_a_json_list(monkeypatch):
    monkeypatch.setenv("SITREP_POLL__ALLOW_PRIVATE", "127.0.0.1, 10.0.0.0/8,intranet.local")
    assert load_settings().poll.allow_private == ["127.0.0.1", "10.0.0.0/8", "intranet.local"]
    monkeypatch.setenv("SITREP_POLL__ALLOW_PRIVATE", '["127.0.0.1"]')
    assert load_settings().poll.allow_private == ["127.0.0.1"]
    monkeypatch.setenv("SITREP_POLL__ALLOW_PRIVATE", "[127.0.0.1")
    with pytest.raises(SettingsError, match=r"SITREP_POLL__ALLOW_PRIVATE.*not a JSON list.*comma-separated"):
        load_settings()


def test_invalid_json_for_a_whole_section_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("SITREP_POLL", "{tick_seconds: 5}")
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert "\n" not in message and message.startswith("invalid settings: SITREP_POLL is not valid JSON")
    assert "SITREP_POLL__KEY=1" in message  # the fix: the other form
    monkeypatch.setenv("SITREP_POLL", '{"tick_seconds": 0}')
    with pytest.raises(SettingsError, match=r"poll\.tick_seconds \(env SITREP_POLL\)"):
        load_settings()


@pytest.mark.parametrize(
    ("env", "suggestion"),
    [
        ("SITREP_DATABSE_URL", "did you mean SITREP_DATABASE_URL?"),
        ("SITREP_DISCORD_TOKN", "did you mean SITREP_DISCORD_TOKEN?"),
        ("SITREP_POL__TICK_SECONDS", "did you mean SITREP_POLL__TICK_SECONDS?"),
        ("SITREP_SERVICE__HTTP_PROT", "did you mean SITREP_SERVICE__HTTP_PORT?"),
        ("SITREP_WHATEVER_ELSE", "(no setting has that name)"),
    ],
)
def test_a_misspelt_variable_is_an_error_with_a_suggestion(monkeypatch, env, suggestion):
    monkeypatch.setenv(env, "x")
    with pytest.raises(SettingsError) as error:
        load_settings()
    separator = " " if suggestion.startswith("(") else "; "
    assert str(error.value) == f"invalid settings: unknown variable {env}{separator}{suggestion}"


def test_variables_that_are_not_settings_are_left_alone(monkeypatch):
    from bot.settings import OTHER_VARIABLES

    for name in OTHER_VARIABLES - {"SITREP_CONFIG_DIR"}:
        monkeypatch.setenv(name, "x")
    assert load_settings().poll.tick_seconds >= 1


def test_an_unknown_key_in_the_settings_file_names_the_file_and_the_closest_key(monkeypatch, tmp_path):
    from bot.settings import Settings

    toml = tmp_path / "settings.toml"
    monkeypatch.setitem(Settings.model_config, "toml_file", toml)
    toml.write_text('[poll]\ntick_second = 5\n[pubish]\ndigest_time = "08:00"\n')
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).splitlines()[1:] == [
        f"  {toml}: unknown key 'tick_second' in [poll]; did you mean tick_seconds?",
        f"  {toml}: unknown key 'pubish'; did you mean publish?",
    ]
    toml.write_text("[poll]\ntick_seconds = 0\n")  # a bad value from the file names the file
    with pytest.raises(SettingsError, match=rf"poll\.tick_seconds \({toml} or env SITREP_POLL__TICK_SECONDS\)"):
        load_settings()
