"""The `deskapp` command: a thin layer that parses arguments and calls services or the app."""

from __future__ import annotations

from deskapp import quiet_tty

if quiet_tty.is_program():  # first: nothing typed before the desk draws is echoed (a PIN)
    quiet_tty.hold()

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from deskapp.cli_words import PathType, speak_the_desks_language
from deskapp.i18n import LANGUAGES, set_language
from deskapp.services.hall_sync import DEFAULT_BATCH

# The longest look-back a `--days` takes (a century): beyond it a date cannot be computed.
MAX_DAYS = 36_500

if TYPE_CHECKING:
    from deskapp.config import DeskSettings
    from deskapp.services.progress import Progress


def _settings(ctx: click.Context) -> DeskSettings:
    """The settings, built on first use: opening the desk defers this (and pydantic-settings)
    to a background thread so the sign-in screen is drawn first."""
    root = ctx.find_root()
    if "settings" not in root.meta:
        from deskapp.config import DeskSettings

        root.meta["settings"] = DeskSettings(**root.obj)
    return root.meta["settings"]


def pass_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command that opens the store: its settings, and the store's libraries and tables
    loaded before it runs, with the cycle collector paused (deskapp/collector.py)."""
    return _passing_settings(command, store=True)


def pass_settings_only(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command given the settings that opens no store through the services' Desk."""
    return _passing_settings(command, store=False)


def _passing_settings(command: Callable[..., Any], *, store: bool) -> Callable[..., Any]:
    @click.pass_context
    def with_settings(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        from deskapp.collector import long_lived_imports

        _start_log(bool(ctx.find_root().params.get("debug")))
        with long_lived_imports():  # pydantic-settings, SQLAlchemy, the table classes
            settings = _settings(ctx)
            if store:
                import deskapp.services.desk  # noqa: F401
        return ctx.invoke(command, settings, *args, **kwargs)

    return functools.update_wrapper(with_settings, command)


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class DeskGroup(click.Group):
    """The command's one error boundary: whatever a command lets escape becomes one line in
    words on stderr and a documented exit code (deskapp/cli_faults.py), the traceback goes
    to the desk's log, and `--debug` shows it as well. Click's own usage errors are one line
    too. Exit codes the commands choose themselves (sync's 3 and 4, day-close's 1) pass."""

    def main(self, args: Any = None, *rest: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if args is None:  # the process's own command line: the program (not a test's call)
            from deskapp.collector import start_program

            start_program()
        if sys.stdin is sys.__stdin__ and sys.stdin is not None and not sys.stdin.isatty():
            # A PIN read from a pipe (a script): getpass would warn, and print "Warning:
            # Password input may be echoed.", about a terminal there is not. Read the line.
            from click import termui

            termui.hidden_prompt_func = _piped_secret
        quiet_tty.commands_begin(command=any(arg in self.commands for arg in argv))
        speak_the_desks_language()
        try:
            run: Callable[..., Any] = super().main  # (overloaded on standalone_mode)
            code = run(argv, *rest, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            code = _say(_t("cli.aborted"), 1)
        except _NO_ARGS_IS_HELP as error:  # `deskapp staff`: its help, as click prints it
            click.echo(error.ctx.get_help() if error.ctx else error.format_message())
            code = error.exit_code
        except click.ClickException as error:
            # --debug shows a fault's traceback; a usage error (also a misplaced --debug:
            # `staff list --debug`) is never a fault: one line, whatever the arguments.
            if "--debug" in argv and not isinstance(error, click.UsageError):
                raise
            code = _say(_one_line(error.format_message()), error.exit_code, usage=error)
        except (SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:
            code = _fault(error, argv)
        finally:
            quiet_tty.release()  # the user's terminal as it was (Textual put back the quiet one)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _piped_secret(prompt: str) -> str:
    """A hidden prompt's answer from a stdin that is not a terminal (nothing is echoed)."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError  # as getpass does: click makes it "aborted"
    return line.rstrip("\r\n")


def _t(key: str, **params: Any) -> str:
    from deskapp.i18n import t

    return t(key, **params)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _say(message: str, code: int, usage: click.ClickException | None = None) -> int:
    if isinstance(usage, click.UsageError) and usage.ctx is not None:
        message = _t("cli.usage", message=message, command=usage.ctx.command_path)
    click.echo(f"✗ {message}", err=True)
    return code


def _start_log(debug: bool) -> None:
    """The desk, every command and `serve`: one rotating log (deskapp/logs.py). Attached when
    the desk or a command's work starts, or a fault is to be logged: `--help` and a usage
    error neither import the logging handlers nor open the file (issue 22)."""
    from deskapp.logs import configure_logging

    configure_logging(debug=debug)


def _fault(error: Exception, argv: list[str]) -> int:
    """Log the traceback (never the arguments: `staff add --pin` holds a PIN), say one line."""
    import logging

    from deskapp.cli_faults import fault_of

    _start_log("--debug" in argv)

    fault = fault_of(error)
    command = next((a for a in argv if not a.startswith("-") and a in main.commands), "")
    logger = logging.getLogger("deskapp.cli")
    log = logger.warning if fault.expected else logger.error
    log("deskapp %s: exit %d, %s (%s)", command, fault.code, fault.message,
        type(error).__name__, exc_info=error)  # fmt: skip
    if "--debug" in argv:
        raise error
    click.echo(f"✗ {fault.message}", err=True)
    return int(fault.code)


@click.group(cls=DeskGroup, invoke_without_command=True)
@click.version_option(package_name="deskapp", prog_name="deskapp")  # the installed version
@click.option(
    "--db",
    "db",
    type=PathType(path_type=Path),
    envvar="DESKAPP_DB",
    help="本终端数据库文件 (默认: 用户数据目录下 desk.db)",
)
@click.option(
    "--data-dir",
    type=PathType(path_type=Path, file_okay=False),
    envvar="DESKAPP_DATA_DIR",
    help="参考数据目录 (默认: 随程序的 data/)",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    envvar="DESKAPP_LANG",
    help="界面语言 language of the desk (zh 默认 / en)",
)
@click.option(
    "--debug", is_flag=True, help="on an error, show the traceback too (it is always logged)"
)
@click.pass_context
def main(
    ctx: click.Context, db: Path | None, data_dir: Path | None, lang: str | None, debug: bool
) -> None:
    """营业厅投诉处理台. Without a command: open the desk."""
    if ctx.invoked_subcommand is None:
        _start_log(debug)  # the desk; a command, as it starts its work (_passing_settings)
        if "WebDriver" in os.environ.get("TEXTUAL_DRIVER", ""):
            from deskapp.logs import stderr_to_log

            stderr_to_log()  # a browser session of `deskapp serve`: its stderr is the server's log
    if lang:
        set_language(lang)  # before any screen is imported: they read their labels then
    from deskapp.minutes import MIN_MINUTES, bad_setting

    if bad := bad_setting(os.environ):  # said once at start, not at every sign-in
        words = _t("cli.bad_minutes", name=bad[0], value=bad[1], least=MIN_MINUTES)
        click.echo(f"✗ {_one_line(words)}", err=True)
        sys.exit(2)
    ctx.obj = {k: v for k, v in {"db": db, "data_dir": data_dir}.items() if v is not None}
    if ctx.invoked_subcommand is None:
        from click.core import ParameterSource

        if db is not None and ctx.get_parameter_source("db") is ParameterSource.COMMANDLINE:
            # A `--db` typed wrong: said, not made (the default path keeps the first run)
            _store_there(db)
        elif db is not None and db.is_dir():  # DESKAPP_DB naming a folder: said at once
            _store_there(db)
        from deskapp.launch import run_desk

        run_desk(lambda: _settings(ctx))


def _desk(settings: DeskSettings, *, staff_only: bool = False, create: bool = False):
    """The terminal's store, for a command. Only `init` makes one (`create`, the first-run
    path; `demo` builds its own, `restore` writes one from a backup and the desk opens its
    own): any other command on a path with no store says so in one line with the command that
    makes one (exit 2) and creates nothing there, neither the file nor its folder (a `--db`
    typed wrong must not leave an empty store behind: tests/cli/test_cli_no_store.py).

    `staff_only`: a staff command, which reads no reference file but hall.toml's sign-in
    rules; the others are not loaded or checked (issue 22: `staff list` starts quicker)."""
    from deskapp.services.desk import Desk

    if not create:
        _store_there(settings.db)
    desk = Desk.open(settings.db, data_dir=settings.data_dir, check_reference=not staff_only)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:  # closed when the command ends, not whenever it is collected
        ctx.find_root().call_on_close(desk.close)
    return desk


def _store_there(db: Path) -> None:
    """Exit 2 with the words and the command that makes one when there is no store at `db`
    (an empty file is none: SQLite would make one in it), or when `db` is a folder."""
    import shlex

    if db.is_dir():
        click.echo(f"✗ {_t('cli.store_is_folder', db=shlex.quote(str(db)))}", err=True)
        sys.exit(2)
    # (A folder on the way that is a file is the store's file error, said as such when opened.)
    in_a_file = any(p.exists() and not p.is_dir() for p in db.parents)
    empty = db.is_file() and db.stat().st_size == 0
    if (not db.exists() and not in_a_file) or empty:
        click.echo(f"✗ {_t('cli.no_store', db=shlex.quote(str(db)))}", err=True)
        sys.exit(2)  # a bad input (ExitCode.BAD_INPUT)


def _set_up_desk(settings: DeskSettings, *, staff_only: bool = False):
    """The desk of a command that reads or writes the terminal's records (not the staff
    commands, which work on a store not given its terminal identity yet): a store never set
    up is said in words with the command that sets it up (exit 2)."""
    import shlex

    desk = _desk(settings, staff_only=staff_only)
    if not desk.is_initialised():
        desk.close()
        click.echo(f"✗ {_t('cli.not_initialised', db=shlex.quote(str(settings.db)))}", err=True)
        sys.exit(2)  # a bad input (ExitCode.BAD_INPUT)
    return desk


def _fail(violation) -> None:
    from deskapp.i18n import error_text, t

    def said(error) -> str:
        # The field by its name on the desk where it has one (a form's), else only the words:
        # the command line has no fields, and a key's English name (actor:) says nothing.
        label = t(f"field.{error.field}")
        words = _one_line(error_text(error))
        return words if label == f"field.{error.field}" else f"{label}:{words}"

    words = "; ".join(said(e) for e in violation.errors)
    click.echo(f"✗ {words}", err=True)  # one line, as every refusal of the command
    sys.exit(2)


@main.command()
@click.option("--hall", "hall_code", required=True, help="营业厅代码, 如 GZ01")
@click.option("--terminal", "terminal_code", required=True, help="终端代码, 如 T01")
@click.option("--tz", "timezone", default="Asia/Shanghai", show_default=True, help="时区")
@pass_settings
def init(settings: DeskSettings, hall_code: str, terminal_code: str, timezone: str) -> None:
    """初始化本终端 (hall code, terminal code, time zone)."""
    from deskapp.domain.errors import RuleViolation
    from deskapp.services.terminal import init_terminal

    try:
        terminal = init_terminal(_desk(settings, create=True), hall_code, terminal_code, timezone)
    except RuleViolation as violation:
        _fail(violation)
        return
    click.echo(
        f"✓ {terminal.hall_code}-{terminal.terminal_code} ({terminal.timezone}) → {settings.db}"
    )


@main.group()
def staff() -> None:
    """员工: list staff; add, change a role, deactivate, reset a PIN, unlock (厅经理)."""


ROLE_CHOICE = click.Choice(["handler", "duty_manager", "hall_manager"])
MANAGER_PIN_ENV = "DESKAPP_MANAGER_PIN"


def _as_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as", "manager_work_no", default=None,
        help=f"厅经理工号 (hall manager's work number); PIN asked unechoed, or {MANAGER_PIN_ENV}",
    )(command)  # fmt: skip


def _hall_manager(desk, manager_work_no: str | None, work_no: str):
    """The hall manager authorizing a staff change to `work_no` (the refusal's subject): their
    work number (--as) and PIN, typed without echo (or from DESKAPP_MANAGER_PIN for scripts:
    the environment, never a command line argument that `ps` would show)."""
    from deskapp.domain.errors import RuleViolation
    from deskapp.i18n import t
    from deskapp.services.staff import authorize_manager

    if not manager_work_no:
        raise click.UsageError(t("error.staff.not_empty"))
    desk.check_writable()  # a store held or read-only: said before the PIN is asked
    pin = os.environ.get(MANAGER_PIN_ENV) or click.prompt(
        t("staff.manager_pin", work_no=manager_work_no), hide_input=True, err=True
    )
    try:
        return authorize_manager(desk, manager_work_no, pin, subject=work_no.strip())
    except RuleViolation as violation:
        _fail(violation)


def _member_by_work_no(desk, work_no: str):
    from deskapp.domain.errors import RuleViolation
    from deskapp.services.staff import list_staff

    found = next((s for s in list_staff(desk, active_only=False) if s.work_no == work_no), None)
    if found is None:
        _fail(RuleViolation.single("work_no", "error.staff.unknown_member"))
    return found


def _change_member(
    settings: DeskSettings,
    manager_work_no: str | None,
    work_no: str,
    change: Callable[..., Any],
    *,
    member: bool = True,
) -> Any:
    """What every `deskapp staff` change does: the hall manager authorizes it (--as and PIN),
    `change(desk, manager, member_id or work_no)` makes it, a refusal is one line (exit 2)."""
    from deskapp.domain.errors import RuleViolation

    desk = _desk(settings, staff_only=True)
    manager = _hall_manager(desk, manager_work_no, work_no)
    target = _member_by_work_no(desk, work_no).id if member else work_no
    try:
        return change(desk, manager, target)
    except RuleViolation as violation:
        _fail(violation)


@staff.command("add")
@click.option("--work-no", required=True, help="工号")
@click.option("--name", required=True, help="姓名")
@click.option("--role", type=ROLE_CHOICE, default="handler", show_default=True)
@click.option("--pin", default=None, help="PIN (asked twice without echo when not given)")
@_as_option
@pass_settings
def staff_add(
    settings: DeskSettings,
    work_no: str,
    name: str,
    role: str,
    pin: str | None,
    manager_work_no: str | None,
) -> None:
    """Add a member: a hall manager's work number (--as) and PIN authorize it. On an empty
    store, the very first member is a hall manager and needs no one's approval."""
    from deskapp.domain.enums import Role
    from deskapp.domain.errors import RuleViolation
    from deskapp.i18n import t
    from deskapp.services.desk import CLI_ACTOR_ID
    from deskapp.services.staff import add_first_hall_manager, add_staff, list_staff

    desk = _desk(settings, staff_only=True)  # no store: said before any PIN is asked
    desk.check_writable()  # nor a store held by another program, or read-only
    if pin is None:
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt="再次输入 PIN")
    try:
        if not list_staff(desk, active_only=False) and not manager_work_no:
            if Role(role) is not Role.HALL_MANAGER:
                raise RuleViolation.single("role", "error.staff.first_hall_manager")
            added = add_first_hall_manager(desk, CLI_ACTOR_ID, work_no, name, pin)
        else:
            manager = _hall_manager(desk, manager_work_no, work_no)
            added = add_staff(desk, manager, work_no, name, Role(role), pin)
    except RuleViolation as violation:
        _fail(violation)
        return
    click.echo(t("staff.added", work_no=added.work_no, name=added.name, role=t(f"role.{role}")))


@staff.command("role")
@click.option("--work-no", required=True, help="工号")
@click.option("--role", type=ROLE_CHOICE, required=True)
@_as_option
@pass_settings
def staff_role(settings: DeskSettings, work_no: str, role: str, manager_work_no: str | None):
    """Change a member's role (厅经理)."""
    from deskapp.domain.enums import Role
    from deskapp.i18n import t
    from deskapp.services.staff import change_role

    changed = _change_member(
        settings,
        manager_work_no,
        work_no,
        lambda desk, manager, id_: change_role(desk, manager, id_, Role(role)),
    )
    click.echo(t("staff.role_changed", work_no=changed.work_no, name=changed.name,
                 role=t(f"role.{role}")))  # fmt: skip


@staff.command("deactivate")
@click.option("--work-no", required=True, help="工号")
@click.option("--activate", is_flag=True, help="make an inactive member active again")
@_as_option
@pass_settings
def staff_deactivate(
    settings: DeskSettings, work_no: str, activate: bool, manager_work_no: str | None
) -> None:
    """Deactivate a member (厅经理): they sign in on no terminal once synchronized."""
    from deskapp.i18n import t
    from deskapp.services.staff import set_active

    changed = _change_member(
        settings,
        manager_work_no,
        work_no,
        lambda desk, manager, id_: set_active(desk, manager, id_, activate),
    )
    key = "staff.activated" if activate else "staff.deactivated"
    click.echo(t(key, work_no=changed.work_no, name=changed.name))


@staff.command("reset-pin")
@click.option("--work-no", required=True, help="工号")
@click.option("--pin", prompt="PIN", hide_input=True, confirmation_prompt="再次输入 PIN",
              help="the new PIN (asked twice without echo when not given)")  # fmt: skip
@_as_option
@pass_settings
def staff_reset_pin(
    settings: DeskSettings, work_no: str, pin: str, manager_work_no: str | None
) -> None:
    """Give a member a new PIN (厅经理)."""
    from deskapp.i18n import t
    from deskapp.services.staff import reset_pin

    changed = _change_member(
        settings,
        manager_work_no,
        work_no,
        lambda desk, manager, id_: reset_pin(desk, manager, id_, pin),
    )
    click.echo(t("staff.pin_reset", work_no=changed.work_no, name=changed.name))


@staff.command("unlock")
@click.option("--work-no", required=True, help="工号")
@_as_option
@pass_settings
def staff_unlock(settings: DeskSettings, work_no: str, manager_work_no: str | None) -> None:
    """End a work number's lock after wrong PINs (厅经理), hall-wide once synchronized."""
    from deskapp.i18n import t
    from deskapp.services.staff import unlock

    _change_member(settings, manager_work_no, work_no, unlock, member=False)
    click.echo(t("staff.unlocked", work_no=work_no.strip()))


@staff.command("list")
@pass_settings
def staff_list(settings: DeskSettings) -> None:
    from deskapp.domain.timefmt import format_local
    from deskapp.i18n import t
    from deskapp.services.staff import list_staff, locked_work_numbers

    desk = _desk(settings, staff_only=True)
    locked = locked_work_numbers(desk)
    for s in list_staff(desk, active_only=False):
        state = t("staff.active") if s.active else t("staff.inactive")
        if s.work_no in locked:
            state += " " + t("staff.locked_until", time=format_local(locked[s.work_no], desk.tz))
        click.echo(f"{s.work_no}\t{s.name}\t{t(f'role.{s.role}')}\t{state}")


@staff.command("signins")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=7, show_default=True)
@pass_settings
def staff_signins(settings: DeskSettings, days: int) -> None:
    """Wrong PINs, locks and unlocks, newest first (every terminal's, once synchronized)."""
    from datetime import timedelta

    from deskapp.domain.timefmt import format_local
    from deskapp.i18n import t
    from deskapp.services.staff import signin_events

    desk = _set_up_desk(settings, staff_only=True)
    listed = signin_events(desk, desk.clock.now() - timedelta(days=days))
    if not listed:
        click.echo(t("staff.no_events", days=days))
    for e in listed:
        what = t(f"staff.event.{e.kind}")
        if e.reason:
            what += f" ({t(f'staff.reason.{e.reason}')})"
        click.echo("\t".join((format_local(e.at, desk.tz), e.terminal, e.work_no, e.name, what)))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (loopback unless --allow-remote)")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--allow-remote", is_flag=True,
              help="listen on a non-loopback address (behind a TLS reverse proxy)")  # fmt: skip
@click.option("--public-url", default=None,
              help="the address browsers use behind a reverse proxy (https://...); "
                   "websockets are accepted from pages of this address too")  # fmt: skip
@click.option("--max-sessions", type=click.IntRange(1, 64), default=4, show_default=True,
              envvar="DESKAPP_SERVE_MAX_SESSIONS",
              help="browser windows open at once (each runs a desk process)")  # fmt: skip
@click.option("--signin-limit", type=click.IntRange(1, 1000), default=10, show_default=True,
              envvar="DESKAPP_SERVE_SIGNIN_LIMIT",
              help="PIN checks per client address within --signin-window")  # fmt: skip
@click.option("--signin-window", type=click.IntRange(1, 86_400), default=300,
              show_default=True, envvar="DESKAPP_SERVE_SIGNIN_WINDOW",
              help="seconds")  # fmt: skip
@pass_settings_only
def serve_command(
    settings: DeskSettings,
    host: str,
    port: int,
    allow_remote: bool,
    public_url: str | None,
    max_sessions: int,
    signin_limit: int,
    signin_window: int,
) -> None:
    """浏览器访问: serve the desk to browsers (textual-serve). Every browser session runs a desk
    of its own and signs in like a terminal; all write to this terminal's store. Websockets
    only from this service's own pages; sessions capped; PIN checks limited per client."""
    from deskapp.i18n import t

    if not allow_remote and not _is_loopback(host):
        raise click.UsageError(t("serve.remote_refused", host=host))
    from deskapp.launch import serve

    serve(
        _desk_command(settings),
        host=host,
        port=port,
        title=t("app.title"),
        public_url=public_url,
        max_sessions=max_sessions,
        signin_max=signin_limit,
        signin_window=signin_window,
    )


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def _desk_command(settings: DeskSettings) -> str:
    """The command line of one browser session's desk: this Python, this store, this data."""
    import shlex
    import sys

    from deskapp.i18n import language

    args = [sys.executable, "-m", "deskapp", "--lang", language(), "--db", str(settings.db)]
    if settings.data_dir is not None:
        args += ["--data-dir", str(settings.data_dir)]
    return shlex.join(args)  # the hall and the rest of the settings come in the environment


@main.command("keys")
def keys_command() -> None:
    """按键: every key of the desk with the id to remap it by in config.toml ([keymap])."""
    from deskapp.launch import desk_bindings

    for binding_id, binding in sorted(desk_bindings().items()):
        click.echo(f"{binding_id}\t{binding.key}\t{binding.description}")


@main.command("refusals")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=7, show_default=True,
              help="how far back")  # fmt: skip
@pass_settings
def refusals_command(settings: DeskSettings, days: int) -> None:
    """审计: the actions the permissions matrix refused, newest first (every terminal's, once
    synchronized)."""
    from datetime import timedelta

    from deskapp.domain.timefmt import format_local
    from deskapp.i18n import t
    from deskapp.services.audit import recent_refusals

    desk = _set_up_desk(settings)
    listed = recent_refusals(desk, desk.clock.now() - timedelta(days=days))
    if not listed:
        click.echo(t("audit.none", days=days))
    for r in listed:
        click.echo("\t".join((
            format_local(r.at, desk.tz), r.terminal, r.work_no, r.name, t(f"role.{r.role}"),
            t(f"permission.{r.permission}"), r.subject,
        )))  # fmt: skip


@main.command()
@click.option("--reset", is_flag=True, help="discard the demo database and build it again")
@click.option("--no-open", is_flag=True, help="build the demo database and exit")
@pass_settings
def demo(settings: DeskSettings, reset: bool, no_open: bool) -> None:
    """演示: build a demo database on first run (staff, a few dozen complaints) and open it."""
    from deskapp.i18n import t
    from deskapp.services.demo import DEMO_STAFF, build_demo

    db = settings.db if "db" in settings.model_fields_set else settings.db.with_name("demo.db")
    # The demo's hall store: a SQLite file beside it, so a second terminal on this machine
    # (README, "A second terminal") can take over a handover from the first.
    hall = settings.hall or str(db.with_name(f"{db.stem}-hall.db"))
    if reset:
        for path in (db, Path(hall)):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not db.exists():
        from deskapp.cli_progress import progress_bar

        click.echo(t("demo.building", path=str(db)))
        with progress_bar() as progress:
            build_demo(db, data_dir=settings.data_dir, progress=progress)
        if "://" not in hall:
            from deskapp.services.hall_sync import sync

            # the demo starts its hall store (a new one, unless it is already there)
            result = sync(_desk(settings.model_copy(update={"db": db})), hall, new_hall=True)
            click.echo(("✓ " if result.ok else "✗ ") + result.message)
    click.echo(t("demo.logins"))
    for s in DEMO_STAFF:
        click.echo(f"  {s.work_no}  {s.pin}  {s.name} ({t(f'role.{s.role.value}')})")
    click.echo(t("demo.hall", hall=hall))
    if not no_open:
        from deskapp.launch import run_desk

        run_desk(settings.model_copy(update={"db": db, "hall": hall}), demo=True)


@main.command()
@click.option(
    "--period",
    "period_kind",
    type=click.Choice(["day", "week", "month", "range"]),
    default="month",
    show_default=True,
    help="日报/周报/月报/自选区间",
)
@click.option("--from", "first", help="起始日期 2026-11-24 (月报可写 2026-11; 默认今天所在的期)")
@click.option("--to", "last", help="截止日期 (区间报表必填)")
@click.option(
    "--scope",
    type=click.Choice(["terminal", "hall", "area"]),
    default="hall",
    show_default=True,
    help="本终端 / 营业厅 / 片区",
)
@click.option("--hall", help="营业厅代码 (默认本终端所在营业厅)")
@click.option("--area", help="片区代码 (默认本营业厅所在片区)")
@click.option("--customers", type=click.IntRange(min=1), help="客户基数 (覆盖 data/)")
@click.option("--control", type=click.FloatRange(min=0, min_open=True), help="每月投诉控制量")
@click.option(
    "--control-per-10k",
    type=click.FloatRange(min=0, min_open=True),
    help="每月每万客户投诉量控制值",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "xlsx", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--table",
    "only",
    type=click.Choice(
        [
            "indicators",
            "control",
            "causes",
            "process",
            "trend",
            "levels",
            "teams",
            "closed_list",
            "refunds",
            "reopens",
            "accountability",
            "overdue_list",
            "repeat_grade",
            "own_staff",
            "batches",
            "timeliness",
        ]
    ),
    help="只输出一张表",
)
@click.option("--out", type=PathType(path_type=Path, dir_okay=False), help="输出文件")
@pass_settings
def report(
    settings: DeskSettings,
    period_kind: str,
    first: str | None,
    last: str | None,
    scope: str,
    hall: str | None,
    area: str | None,
    customers: int | None,
    control: float | None,
    control_per_10k: float | None,
    fmt: str,
    only: str | None,
    out: Path | None,
) -> None:
    """统计报表: the hall's figures for a day, week, month or range, as a table, xlsx, csv
    or json (see deskapp/services/reports/__init__.py for what each figure counts)."""
    from deskapp.domain.errors import RuleViolation
    from deskapp.i18n import t
    from deskapp.services import exports
    from deskapp.services.reports import (
        ReportRequest,
        ScopeKind,
        add_accountability,
        build_report,
        period_from_args,
    )

    desk = _set_up_desk(settings)
    try:
        today = desk.clock.now().astimezone(desk.tz).date()
        period = period_from_args(period_kind, first, last, today)
        request = ReportRequest(
            period, ScopeKind(scope), hall=hall, area=area, customers=customers,
            control=control, per_10k_control=control_per_10k,
        )  # fmt: skip
        # the machine's administrator (docs/permissions.md): the accountability figures too
        built = add_accountability(desk, None, build_report(desk, request))
    except RuleViolation as violation:
        _fail(violation)
        return
    if fmt == "xlsx" and out is None:
        out = settings.export_dir / exports.default_name(built, "xlsx")
    if out is None:
        text = {
            "table": exports.text_report,
            "csv": exports.csv_text,
            "json": lambda r, o: exports.json_text(r, o) + "\n",
        }[fmt](built, only)
        click.echo(text, nl=False)
        return
    written = exports.write(built, fmt, out, only)  # beside an earlier export, never over it
    click.echo(t("reports.exported", path=written))


IMPORT_PIN_ENV = "DESKAPP_IMPORT_PIN"  # for scripts: the environment, never an argument


@contextlib.contextmanager
def _import_progress(quiet: bool) -> Iterator[Progress | None]:
    """The import's progress on stderr (rich): rows checked, then rows written, each with its
    bar, count, elapsed time and the time still to go (ETA). On a terminal it redraws in
    place; to a file or pipe it writes its last state when each phase ends."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import TaskID

    from deskapp.cli_progress import rich_bar
    from deskapp.i18n import t

    bar = rich_bar(Console(stderr=True), "import.progress_elapsed", "import.progress_eta")
    tasks: dict[str, TaskID] = {}

    def report(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            for other in tasks.values():
                bar.stop_task(other)
            tasks[phase] = bar.add_task(t(f"import.progress_{phase}"), total=total or None)
        bar.update(tasks[phase], completed=done, total=total or None)

    with bar:
        yield report


def _import_stopped(error: BaseException, written: int) -> None:
    """An import stopped after some of its transactions were committed (Ctrl+C, a store held
    by another program, a full disk): how many rows are stored, and that the same command run
    again completes it (the rows stored are found and skipped), never "nothing changed"."""
    import logging

    from deskapp.cli_faults import ExitCode, fault_of

    if isinstance(error, KeyboardInterrupt | click.exceptions.Abort):
        code, why = int(ExitCode.NOT_DONE), _t("import.stopped_cancelled")
    else:
        fault = fault_of(error)
        key = f"import.stopped_{fault.code.name.lower()}"  # busy, read-only, disk full
        code, why = int(fault.code), _t(key)
        if why == key:
            why = _t("import.stopped_error")
        _start_log("--debug" in sys.argv)
        logging.getLogger("deskapp.cli").warning(
            "deskapp import: stopped after %d rows, exit %d", written, code, exc_info=error
        )
    click.echo(f"✗ {_t('import.stopped', why=why, rows=written)}", err=True)
    sys.exit(code)


@main.command("import")
@click.argument("file", type=PathType(path_type=Path, exists=True, dir_okay=False))
@click.option("--as", "work_no", required=True,
              help="导入人工号 (记入变更日志; 默认处理人); PIN 提示时输入, 不显示")  # fmt: skip
@click.option("--manager", "manager", default="",
              help="厅经理工号: 由厅经理输入其 PIN 代为确认导入人")  # fmt: skip
@click.option("--source", default="", help="来源系统, 如 10086 (文件无“来源系统”列时)")
@click.option("--encoding", help="CSV 编码 (默认自动: UTF-8, 带 BOM 的 UTF-8, GBK)")
@click.option("--dry-run", is_flag=True, help="只检查, 不写入")
@click.option("-v", "--verbose", is_flag=True, help="也列出跳过的行")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条")
@pass_settings
def import_cmd(
    settings: DeskSettings,
    file: Path,
    work_no: str,
    manager: str,
    source: str,
    encoding: str | None,
    dry_run: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """导入投诉 from a CSV or XLSX file (column layout: docs/import.md). Bad rows are listed
    with their line numbers and the good rows imported; importing again adds nothing.
    Exit status: 0 all rows good, 1 some rows refused, 2 the file could not be read."""
    from deskapp.domain.errors import RuleViolation
    from deskapp.i18n import t
    from deskapp.services.importer import import_file, importing_actor

    desk = _set_up_desk(settings)
    if not dry_run:
        desk.check_writable()  # a store held or read-only: said before the PIN is asked
    prompt = (t("import.manager_pin_prompt", work_no=manager) if manager.strip()
              else t("import.pin_prompt", work_no=work_no))  # fmt: skip
    pin = os.environ.get(IMPORT_PIN_ENV) or click.prompt(
        prompt, hide_input=True, default="", show_default=False
    )

    written = 0  # rows whose transactions were committed (the "write" phase's count)

    def counting(progress: Progress | None) -> Progress:
        def report(phase: str, done: int, total: int | None) -> None:
            nonlocal written
            if phase == "write":
                written = done
            if progress is not None:
                progress(phase, done, total)

        return report

    try:
        actor = importing_actor(desk, work_no, pin, vouched_by=manager)
        with _import_progress(quiet) as progress:
            result = import_file(desk, actor, file, source=source, encoding=encoding,
                                 dry_run=dry_run, progress=counting(progress))  # fmt: skip
    except RuleViolation as violation:
        _fail(violation)
        return
    except (Exception, KeyboardInterrupt) as error:
        if dry_run or not written:
            raise  # nothing was written: "nothing changed" is true
        _import_stopped(error, written)
    click.echo(t("import.encoding", encoding=result.encoding))
    if result.ignored_columns:
        click.echo(t("import.ignored", columns="、".join(result.ignored_columns)))
    for problem in result.problems:
        click.echo(t("import.row_error", line=problem.line, column=problem.column,
                     reason=problem.message), err=True)  # fmt: skip
    if verbose:
        for line, why in result.skipped:
            click.echo(t("import.row_skipped", line=line, reason=why))
    errors = len(result.bad_lines)
    if dry_run:
        good = result.rows - errors - len(result.skipped)
        click.echo(t("import.dry_summary", good=good, skipped=len(result.skipped),
                     errors=errors, rows=result.rows))  # fmt: skip
    else:
        click.echo(
            t(
                "import.summary",
                imported=len(result.imported),
                skipped=len(result.skipped),
                errors=errors,
                rows=result.rows,
            )
        )
    if errors:
        sys.exit(1)


@main.command("sync")
@click.option(
    "--hall", "hall", envvar="DESKAPP_HALL_URL", help="营业厅数据库: 文件路径或 postgresql://…"
)
@click.option(
    "--batch-size", default=DEFAULT_BATCH, show_default=True, help="每批上传/下载的变更条数"
)
@click.option(
    "--new-hall",
    is_flag=True,
    help="该地址还没有营业厅数据库时新建一个, 本终端加入它 (start a new hall store)",
)
@click.option(
    "--join",
    is_flag=True,
    help="改为加入这个已有的营业厅数据库 (in place of the one this terminal joined)",
)
@pass_settings
def sync_command(
    settings: DeskSettings, hall: str | None, batch_size: int, new_hall: bool, join: bool
) -> None:
    """与营业厅数据库同步 (push this terminal's changes, pull everyone else's). A hall store
    is started only with --new-hall: an address with none is refused (a typo, most often)."""
    from deskapp.i18n import t
    from deskapp.services.hall_sync import SyncOutcome, sync

    hall = hall or settings.hall
    if not hall:
        click.echo(f"✗ {t('sync.hall_missing')}", err=True)
        sys.exit(2)
    desk = _desk(settings)
    if not desk.is_initialised():  # in words, with the command that gives it one
        import shlex

        click.echo(f"✗ {t('sync.not_initialised', db=shlex.quote(desk.path))}", err=True)
        sys.exit(2)
    result = sync(desk, hall, batch_size=batch_size, window_days=settings.sync_window_days,
                  new_hall=new_hall, join=join)  # fmt: skip
    if result.store_key:  # this terminal's store refused: its code, as every command's
        from deskapp.services.records import StoreUnavailable

        raise StoreUnavailable(result.store_key, result.error)
    click.echo(("✓ " if result.ok else "✗ ") + result.message, err=not result.ok)
    codes = {SyncOutcome.OK: 0, SyncOutcome.MUST_UPDATE: 3, SyncOutcome.UNREACHABLE: 4,
             SyncOutcome.BUSY_LOCAL: 5, SyncOutcome.BAD_HALL: 2}  # fmt: skip
    sys.exit(codes.get(result.outcome, 1))


@main.command("backup")
@click.argument("dest", type=PathType())
@pass_settings_only
def backup_command(settings: DeskSettings, dest: str) -> None:
    """备份: a consistent copy of the live store (safe while the desk is in use)."""
    import os

    from deskapp.i18n import t
    from deskapp.services.backup import BackupError, backup

    _store_there(settings.db)  # in the words of every command, with the command that makes one
    try:
        # (a Path drops the trailing slash that says "a folder": read it from the text)
        folder = dest.endswith(("/", os.sep))
        path = backup(settings.db, Path(dest).expanduser(), folder=folder)
    except BackupError as error:
        from deskapp.cli_faults import ExitCode

        click.echo(f"✗ {t(error.key, **error.params)}", err=True)
        damaged = error.key == "error.backup.store_damaged"
        sys.exit(ExitCode.STORE_DAMAGED if damaged else ExitCode.BAD_INPUT)
    click.echo(t("backup.done", path=str(path)))


@main.command("restore")
@click.argument("source", type=PathType(path_type=Path, exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask before replacing the store")
@click.option(
    "--terminal",
    help="本机终端号 (如 T01),仅当本机数据库损坏、读不出终端号时需要;须与备份的终端相同",
)
@pass_settings_only
def restore_command(settings: DeskSettings, source: Path, yes: bool, terminal: str | None) -> None:
    """恢复: check a backup, keep the current store beside it, and put the backup in its place."""
    from deskapp.cli_faults import ExitCode
    from deskapp.i18n import t
    from deskapp.services.backup import BackupError, check, restore
    from deskapp.services.records import cannot_be_written, on_read_only_filesystem

    # (a read-only store cannot be replaced; on a read-only mount its identity cannot be
    # read either)
    if on_read_only_filesystem(settings.db) or cannot_be_written(settings.db):
        click.echo(f"✗ {t('cli.store.readonly')}", err=True)
        sys.exit(ExitCode.STORE_READONLY)
    try:
        check(source, settings.db, terminal)
        quiet_tty.visible_prompt()
        if not yes and not click.confirm(t("backup.confirm", path=str(settings.db))):
            sys.exit(1)
        result = restore(settings.db, source, terminal)
    except BackupError as error:
        click.echo(f"✗ {t(error.key, **error.params)}", err=True)
        sys.exit(ExitCode.STORE_BUSY if error.key == "error.backup.in_use" else 2)
    click.echo(t("backup.restored", path=str(settings.db)))
    if result.kept_as is not None:
        click.echo(t("backup.kept", path=str(result.kept_as)))
    else:  # a second store of that terminal: the first must stop, or numbers repeat
        click.echo(t("backup.new_place", terminal=result.terminal, path=str(settings.db)))
    # the numbers issued after the backup are known here only if the replaced store was read
    click.echo(t("backup.sync_next" if result.numbers_carried else "backup.sync_first"))


@main.command("day-close")
@click.option("--date", "day", required=True, help="营业日 YYYY-MM-DD")
@pass_settings
def day_close_command(settings: DeskSettings, day: str) -> None:
    """结束营业检查: print the day's checklist; exit 1 while anything is missing."""
    from datetime import date

    from deskapp.domain.clean_input import year_error, year_in_range
    from deskapp.domain.errors import RuleViolation
    from deskapp.i18n import t
    from deskapp.services.day_close import checklist, signed_off

    try:
        when = date.fromisoformat(day)
    except ValueError:
        click.echo(f"✗ {t('error.opinion.date_format')}", err=True)
        sys.exit(2)
    if not year_in_range(when.year):  # (year 1: the day's bounds overflow in UTC)
        _fail(RuleViolation([year_error("date")]))
    desk = _set_up_desk(settings)
    listing = checklist(desk, when)
    for rule, ok in listing.rules_ok().items():
        click.echo(f"{'✓' if ok else '✗'} {t(f'day.rule_{rule}')}")
    for gap in listing.gaps:
        click.echo(f"  - {t(f'error.day.gap_{gap.rule}', label=gap.label)}")
    if signed_off(desk, when) is not None:
        click.echo(t("day.signed_cli", day=day))
    sys.exit(0 if listing.complete else 1)


@main.group("cases")
def cases_group() -> None:
    """案例库: list the cases, export the morning meeting's page (早班会案例分析)."""


def _case_filters(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--category", default="",
                           help="类别代码 (原因树第一或第二级, 如 NET)")(command)  # fmt: skip
    return click.option("--words", default="",
                        help="类别、原因、案情概述或经验教训中的字词")(command)  # fmt: skip


@cases_group.command("list")
@_case_filters
@pass_settings
def cases_list(settings: DeskSettings, category: str, words: str) -> None:
    """The cases, newest first: date, category, cause, lesson (withheld if it holds personal
    data, as on the page)."""
    from deskapp.domain.errors import RuleViolation
    from deskapp.domain.timefmt import format_local
    from deskapp.i18n import t
    from deskapp.services.cases import find_cases, shown_text

    desk = _set_up_desk(settings)
    try:
        listed = find_cases(desk, category, words)
    except RuleViolation as violation:
        _fail(violation)
        return
    if not listed:
        click.echo(t("cases.cli_none"))
    for case in listed:
        click.echo("\t".join((format_local(case.received_at, desk.tz)[:10], case.category,
                              case.cause, _one_line(shown_text(case, "lesson")))))  # fmt: skip


@cases_group.command("export")
@_case_filters
@click.option("--out", "folder", type=PathType(path_type=Path, file_okay=False),
              help="输出文件夹 (默认: 导出文件夹)")  # fmt: skip
@click.option("--as", "manager_work_no", default=None,
              help=f"值班经理或厅经理工号; PIN 不回显输入, 或取自 {MANAGER_PIN_ENV}")  # fmt: skip
@pass_settings
def cases_export(
    settings: DeskSettings, category: str, words: str, folder: Path | None,
    manager_work_no: str | None,
) -> None:  # fmt: skip
    """早班会案例分析: the page of the cases (the tickets' facts and the managers' checked
    summaries and lessons, never what was typed on a ticket), written to the export folder.
    Like Ctrl+E in the desk, for a duty or hall manager only: their work number (--as) and
    PIN (asked unechoed, or DESKAPP_MANAGER_PIN), refused and audited for anyone else (the
    page leads the morning meeting)."""
    from deskapp.domain.errors import RuleViolation
    from deskapp.i18n import t
    from deskapp.services.cases import export_cases
    from deskapp.services.staff import sign_in

    if not manager_work_no:
        raise click.UsageError(t("cases.cli_needs_manager"))
    desk = _set_up_desk(settings)
    pin = os.environ.get(MANAGER_PIN_ENV) or click.prompt(
        t("cases.cli_manager_pin", work_no=manager_work_no), hide_input=True, err=True
    )
    try:
        actor = sign_in(desk, manager_work_no, pin)
        path = export_cases(desk, actor, folder or settings.export_dir, category, words)
    except RuleViolation as violation:
        _fail(violation)
        return
    click.echo(t("cases.exported", path=path))


if __name__ == "__main__":
    main()
