"""The `deskapp` command: a thin layer that parses arguments and calls services or the app."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from deskapp.config import DeskSettings

pass_settings = click.make_pass_decorator(DeskSettings)


@click.group(invoke_without_command=True)
@click.option(
    "--db",
    "db",
    type=click.Path(path_type=Path),
    envvar="DESKAPP_DB",
    help="本终端数据库文件 (默认: 用户数据目录下 desk.db)",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="DESKAPP_DATA_DIR",
    help="参考数据目录 (默认: 随程序的 data/)",
)
@click.pass_context
def main(ctx: click.Context, db: Path | None, data_dir: Path | None) -> None:
    """营业厅投诉处理台. Without a command: open the desk."""
    overrides = {k: v for k, v in {"db": db, "data_dir": data_dir}.items() if v is not None}
    settings = DeskSettings(**overrides)
    ctx.obj = settings
    if ctx.invoked_subcommand is None:
        _open_desk(settings)


def _open_desk(settings: DeskSettings, demo: bool = False) -> None:
    from screens.app import DemoLogin, DeskApp

    logins = None
    if demo:
        from deskapp.services.demo import DEMO_STAFF

        logins = [DemoLogin(s.work_no, s.name, s.role.value, s.pin) for s in DEMO_STAFF]
    DeskApp(
        db_path=settings.db,
        data_dir=settings.data_dir,
        demo_logins=logins,
        export_dir=settings.export_dir,
    ).run()


def _desk(settings: DeskSettings):
    from deskapp.services.desk import Desk

    return Desk.open(settings.db, data_dir=settings.data_dir)


def _fail(violation) -> None:
    from deskapp.i18n import error_text

    for error in violation.errors:
        click.echo(f"✗ {error.field}: {error_text(error)}", err=True)
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
        terminal = init_terminal(_desk(settings), hall_code, terminal_code, timezone)
    except RuleViolation as violation:
        _fail(violation)
        return
    click.echo(
        f"✓ {terminal.hall_code}-{terminal.terminal_code} ({terminal.timezone}) → {settings.db}"
    )


@main.group()
def staff() -> None:
    """员工: add and list staff."""


@staff.command("add")
@click.option("--work-no", required=True, help="工号")
@click.option("--name", required=True, help="姓名")
@click.option(
    "--role",
    type=click.Choice(["handler", "duty_manager", "hall_manager"]),
    default="handler",
    show_default=True,
)
@click.option(
    "--pin",
    prompt="PIN",
    hide_input=True,
    confirmation_prompt="再次输入 PIN",
    help="PIN (asked twice without echo when not given)",
)
@pass_settings
def staff_add(settings: DeskSettings, work_no: str, name: str, role: str, pin: str) -> None:
    from deskapp.domain.enums import Role
    from deskapp.domain.errors import RuleViolation
    from deskapp.services.desk import CLI_ACTOR_ID
    from deskapp.services.staff import add_staff

    try:
        added = add_staff(_desk(settings), CLI_ACTOR_ID, work_no, name, Role(role), pin)
    except RuleViolation as violation:
        _fail(violation)
        return
    click.echo(f"✓ {added.work_no} {added.name} ({role})")


@staff.command("list")
@pass_settings
def staff_list(settings: DeskSettings) -> None:
    from deskapp.i18n import t
    from deskapp.services.staff import list_staff

    for s in list_staff(_desk(settings), active_only=False):
        click.echo(
            f"{s.work_no}\t{s.name}\t{t(f'role.{s.role}')}\t{'在岗' if s.active else '停用'}"
        )


@main.command()
@click.option("--reset", is_flag=True, help="discard the demo database and build it again")
@click.option("--no-open", is_flag=True, help="build the demo database and exit")
@pass_settings
def demo(settings: DeskSettings, reset: bool, no_open: bool) -> None:
    """演示: build a demo database on first run (staff, a few dozen complaints) and open it."""
    from deskapp.i18n import t
    from deskapp.services.demo import DEMO_STAFF, build_demo

    db = settings.db if "db" in settings.model_fields_set else settings.db.with_name("demo.db")
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    if not db.exists():
        click.echo(f"… 正在生成演示数据: {db}")
        build_demo(db, data_dir=settings.data_dir)
    click.echo("演示工号 / PIN:")
    for s in DEMO_STAFF:
        click.echo(f"  {s.work_no}  {s.pin}  {s.name} ({t(f'role.{s.role.value}')})")
    if not no_open:
        _open_desk(settings.model_copy(update={"db": db}), demo=True)


if __name__ == "__main__":
    main()
