"""A plugin that cannot run is refused before anything starts, by ``check`` and ``run``
alike: exit 2, one line naming the plugin and the fix, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.conftest import Site
from townsquare.bots.cli import main

GOOD = """
from townsquare import CommandSpec, Context, Feature, Invocation, command


class Hello(Feature):
    name = "hello"

    @command(CommandSpec("hello", "Say hello"))
    async def hello(self, invocation: Invocation, ctx: Context) -> None:
        ctx.respond("Hello!")
"""


def config(tmp_path: Path, features: str) -> str:
    path = tmp_path / "bots.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path / "town.db"}"\n\n'
        f"[features]\n{features}\n\n"
        '[[bots]]\nname = "local"\nplatform = "console"\n'
    )
    return str(path)


def refused(capsys: pytest.CaptureFixture[str], path: str) -> str:
    """The one line both ``check`` and ``run`` print, exiting 2."""
    lines = []
    for command in ("check", "run"):
        code = main([command, path])
        out, err = capsys.readouterr()
        assert code == 2, (command, out, err)
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        lines.append(err.strip())
    assert lines[0] == lines[1]
    return lines[0]


def test_a_plugin_that_loads_is_listed_by_check(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("hello_ok", GOOD)
    assert main(["check", config(tmp_path, 'plugins = ["hello_ok:Hello"]')]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; plugins: hello")


def test_a_module_that_does_not_exist(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refused(capsys, config(tmp_path, 'plugins = ["no_such_package.features:Karma"]'))
    assert line == (
        f"{tmp_path / 'bots.toml'}: features.plugins[0]: plugin "
        "'no_such_package.features:Karma' cannot be imported: no module named "
        "'no_such_package' (pip install the package that provides it, or remove it from "
        "plugins)"
    )


def test_a_module_that_fails_to_import(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("broken_at_import", "raise RuntimeError('the plugin needs KARMA_URL')\n")
    line = refused(capsys, config(tmp_path, 'plugins = ["broken_at_import:Karma"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'broken_at_import:Karma' cannot be imported: "
        "RuntimeError: the plugin needs KARMA_URL (fix the plugin, or remove it from plugins)"
    )


def test_a_class_that_is_missing_or_not_a_feature(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("not_features", "class Karma:\n    name = 'karma'\n")
    line = refused(capsys, config(tmp_path, 'plugins = ["not_features:Karma"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'not_features:Karma' is not a Feature subclass (name a "
        "class that derives from townsquare.Feature, or remove it from plugins)"
    )
    line = refused(capsys, config(tmp_path, 'plugins = ["not_features:Karm"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'not_features:Karm': not_features has no Karm (check "
        "the spelling, or remove it from plugins)"
    )
    line = refused(capsys, config(tmp_path, 'plugins = ["not_features.Karma"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'not_features.Karma': write it as package.module:Class, "
        "e.g. my_package.features:Karma"
    )


def test_a_feature_name_that_is_taken(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("second_faq", GOOD.replace('name = "hello"', 'name = "faq"'))
    line = refused(capsys, config(tmp_path, 'plugins = ["second_faq:Hello"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'second_faq:Hello': the feature name 'faq' is taken by "
        "the built-in feature 'faq' (give the plugin's feature another name, or remove it "
        "from plugins)"
    )


def test_a_command_that_clashes(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("own_help", GOOD.replace('CommandSpec("hello"', 'CommandSpec("help"'))
    line = refused(capsys, config(tmp_path, 'plugins = ["own_help:Hello"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'own_help:Hello': its command /help is already the "
        "built-in feature 'help''s (rename the command, or disable one of the two features)"
    )
    # Disabling the built-in one is the other way out.
    path = config(tmp_path, 'plugins = ["own_help:Hello"]\ndisable = ["help"]')
    assert main(["check", path]) == 0


def test_an_unknown_name_in_disable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, config(tmp_path, 'disable = ["polls", "pols"]'))
    assert line.endswith("features.disable[1]: no feature is named 'pols' (did you mean 'polls'?)")


def test_a_broken_entry_point_names_its_distribution_and_can_be_disabled(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("shaky_karma", "import a_module_nobody_installed\n")
    site.distribution("shaky-karma", {"karma": "shaky_karma:Karma"})
    line = refused(capsys, config(tmp_path, ""))
    assert line.endswith(
        "features: entry point 'karma' (shaky-karma 0.1) of townsquare.features cannot be "
        "imported: no module named 'a_module_nobody_installed' (pip install the package that "
        'provides it, or add "karma" to [features] disable)'
    )
    assert main(["check", config(tmp_path, 'disable = ["karma"]')]) == 0
    assert "plugins" not in capsys.readouterr().out


def test_a_plugin_in_the_config_and_its_entry_point_runs_once(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("hello_twice", GOOD)
    site.distribution("hello-twice", {"hello": "hello_twice:Hello"})
    assert main(["check", config(tmp_path, 'plugins = ["hello_twice:Hello"]')]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; plugins: hello")


def test_a_plugin_that_cannot_be_created_or_declares_wrongly(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module(
        "needs_args",
        GOOD.replace(
            'name = "hello"',
            'name = "hello"\n\n    def __init__(self, token: str) -> None:\n'
            "        self.token = token",
        ),
    )
    line = refused(capsys, config(tmp_path, 'plugins = ["needs_args:Hello"]'))
    assert "features.plugins[0]: plugin 'needs_args:Hello': Hello() failed: " in line
    assert line.endswith("(fix the plugin, or remove it from plugins)")
    site.module(
        "bad_migrations",
        GOOD.replace('name = "hello"', 'name = "hello"\n    migrations = "/nonexistent/versions"'),
    )
    line = refused(capsys, config(tmp_path, 'plugins = ["bad_migrations:Hello"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'bad_migrations:Hello': its migrations folder "
        "/nonexistent/versions does not exist (is it shipped with the package? check "
        "package data)"
    )


def test_settings_another_feature_claims(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module(
        "faq_settings",
        GOOD
        + """

from dataclasses import dataclass
from typing import ClassVar

from townsquare import FeatureSettings


@dataclass(frozen=True, slots=True)
class Mine(FeatureSettings):
    namespace: ClassVar[str] = "language"
    locale: str = "en"


Hello.settings_models = (Mine,)
""",
    )
    line = refused(capsys, config(tmp_path, 'plugins = ["faq_settings:Hello"]'))
    assert line == (
        f"{tmp_path / 'bots.toml'}: features: settings namespace 'language' is claimed by "
        "core: Language and hello: Mine (rename it in the plugin, or disable one)"
    )


def test_a_plugins_commands_reach_the_slack_manifest(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The platforms' command lists (the Slack manifest, Discord's sync) are built from
    the configured features, plugins included."""
    site.module("hello_manifest", GOOD)
    path = tmp_path / "slack.toml"
    path.write_text(
        '[features]\nplugins = ["hello_manifest:Hello"]\n\n'
        '[[bots]]\nname = "sl"\nplatform = "slack"\ntoken = "xoxb-1234567890-abcdefghij"\n'
        'signing_secret = "0123456789abcdef0123456789abcdef"\nlisten = "127.0.0.1:3000"\n'
    )
    assert main(["slack", "manifest", str(path)]) == 0
    manifest = capsys.readouterr().out
    assert "command: /hello" in manifest and "command: /faq" in manifest


def test_a_feature_without_a_name(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.module("nameless", GOOD.replace('    name = "hello"\n', ""))
    line = refused(capsys, config(tmp_path, 'plugins = ["nameless:Hello"]'))
    assert line.endswith(
        "features.plugins[0]: plugin 'nameless:Hello': Hello has no name of its own (set "
        'name = "..." on the class: what [features] disable names)'
    )
