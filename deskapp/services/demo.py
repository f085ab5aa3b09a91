"""The demo store: staff of each role and a few dozen realistic complaints, made through the
same services as typed ones (so the change log and every rule apply), on a moving frozen clock."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Channel, Role, Satisfaction, Severity
from deskapp.domain.timefmt import format_local
from deskapp.services import followup, opinion_book, shifts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, RefundForm, take_complaint
from deskapp.services.staff import actor_of, list_staff, seed_staff
from deskapp.services.terminal import init_terminal

DEMO_ACTOR_ID = "system:demo"


@dataclass(frozen=True)
class DemoStaff:
    work_no: str
    name: str
    role: Role
    pin: str


DEMO_STAFF = (
    DemoStaff("1001", "张敏", Role.HANDLER, "1111"),
    DemoStaff("1002", "刘洋", Role.HANDLER, "2222"),
    DemoStaff("2001", "王芳", Role.DUTY_MANAGER, "8888"),
    DemoStaff("3001", "陈静", Role.HALL_MANAGER, "9999"),
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_STORIES = {
    "NET": [
        ("家里客厅和卧室手机经常没有信号,打电话要跑到阳台", "尽快解决室内信号问题"),
        ("最近一周通话经常掉线,影响工作", "查明原因并修复,减免本月月租"),
    ],
    "NEWBIZ": [
        ("发现被开通了视频彩铃业务,本人从未办理", "取消业务并退还费用"),
        ("想退订流量包,短信退订一直失败", "立即帮忙退订"),
    ],
    "TARIFF": [("套餐资费和办理时营业员介绍的不一致", "按当时承诺的资费执行")],
    "PROMO": [("参加存话费送手机活动,赠送话费没有按月到账", "补发赠送话费")],
    "PUBLICITY": [("宣传单写不限流量,实际超过40G就限速", "给个说法,按宣传兑现")],
    "BILLINFO": [
        ("上月账单多出一笔国际漫游费,本人没有出境", "核实并退还多收费用"),
        ("通话详单时长和实际通话时长不符,多计了费用", "核实后退还多收的钱"),
    ],
    "PAYMENT": [
        ("欠费停机前没有收到任何提醒短信", "以后停机前提前通知,恢复开机"),
        ("网上缴费成功了但账户余额没有增加", "尽快到账"),
    ],
    "HANDLING": [("上次投诉说三天内回复,到现在一周了没人联系", "尽快给答复并说明原因")],
    "HALL": [
        ("排队等了一个多小时,只开了两个窗口", "高峰期多开窗口"),
        ("营业员办理业务时态度冷淡,不耐烦", "营业员道歉"),
    ],
}


def build_demo(
    db_path: Path,
    *,
    data_dir: Path | None = None,
    now: datetime | None = None,
    count: int = 40,
    seed: int = 7,
) -> None:
    """Build the demo store at `db_path` (which must not exist yet)."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    clock = FrozenClock(now - timedelta(days=21))
    desk = Desk.open(db_path, clock=clock, data_dir=data_dir)
    try:
        init_terminal(desk, "DEMO", "T01", "Asia/Shanghai")
        seed_staff(desk, DEMO_ACTOR_ID, [(s.work_no, s.name, s.role, s.pin) for s in DEMO_STAFF])
        staff = {s.work_no: s for s in list_staff(desk)}
        handlers = [actor_of(staff["1001"]), actor_of(staff["1002"])]
        manager = DEMO_STAFF[2]
        causes = desk.refdata.causes
        by_root: dict[str, list[str]] = {}
        for path in causes.intake_paths():
            by_root.setdefault(path.root, []).append(path.code)
        phones = [f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" for _ in range(70)]
        channels = list(Channel)
        weights = [30, 14, 6, 10, 4, 6, 3, 2, 1]
        for i in range(count):
            received = now - timedelta(days=20 * (count - i) / count, minutes=rng.randint(0, 300))
            # Counters are open 08:30–18:00: keep demo times inside the day.
            local = received.astimezone(desk.tz)
            if not 9 <= local.hour < 18:
                received -= timedelta(hours=(local.hour - 10) % 24)
            clock.set(received + timedelta(minutes=rng.randint(1, 8)))
            root = rng.choice(list(_STORIES))
            content, demand = rng.choice(_STORIES[root])
            channel = rng.choices(channels, weights)[0]
            on_spot = channel is Channel.WALK_IN and rng.random() < 0.6
            severity = (
                Severity.MAJOR
                if channel in (Channel.CONSUMER_ASSOCIATION, Channel.REGULATOR, Channel.MEDIA)
                else (Severity.SERIOUS if rng.random() < 0.1 else Severity.GENERAL)
            )
            phone = rng.choice(phones)
            form = IntakeForm(
                received_at=format_local(received, desk.tz),
                channel=channel.value,
                customer_name=rng.choice(_SURNAMES) + rng.choice(["先生", "女士"]),
                contact_phone=phone,
                content=content,
                demand=demand,
                cause_code=rng.choice(by_root[root]),
                severity=severity.value,
                difficult_customer=rng.random() < 0.05,
                no_fault=root == "HALL" and rng.random() < 0.3,
                solved_on_spot=on_spot,
            )
            if on_spot:
                form.outcome = "已向客户解释并当场处理完毕"
                form.satisfaction = rng.choice(
                    [
                        Satisfaction.SATISFIED,
                        Satisfaction.SATISFIED,
                        Satisfaction.BASICALLY_SATISFIED,
                        Satisfaction.DECLINED,
                    ]
                ).value
            else:
                form.promised_reply_at = format_local(
                    clock.now() + timedelta(days=1, hours=rng.randint(0, 4)), desk.tz
                )
            if root == "BILLINFO" and on_spot:
                charged = rng.choice([30, 48, 58, 88])
                form.refund = RefundForm(
                    charged=str(charged), should_have_charged=str(charged - 10), verified=True
                )
                if rng.random() < 0.3:
                    form.refund.amount = str(30)
                    form.refund.approver_work_no = manager.work_no
                    form.refund.approver_pin = manager.pin
                    form.refund.approval_reason = "客户多次往返,经理同意额外补偿"
            taker = rng.choice(handlers)
            complaint = take_complaint(desk, taker, form)
            if not on_spot:
                _follow_up(desk, clock, taker, complaint.id, root, now, rng)
        _shifts(desk, clock, handlers, now)
        _opinion_book(desk, clock, handlers[0], now)
    finally:
        desk.close()


def _shifts(desk: Desk, clock: FrozenClock, handlers: list[Actor], now: datetime) -> None:
    """Yesterday's handover from 张敏 to 刘洋, acknowledged and filed by the duty manager; and
    刘洋's handover of a few minutes ago, waiting for 张敏 to acknowledge it at sign-in."""
    first, second = handlers
    manager = DEMO_STAFF[2]
    yesterday = (now - timedelta(days=1)).astimezone(desk.tz).replace(hour=8, minute=30)
    steps = [
        (first, second, yesterday, yesterday + timedelta(hours=9), True),
        (second, first, now - timedelta(hours=8), now - timedelta(minutes=10), False),
    ]
    for outgoing, incoming, opened, closed, filed in steps:
        clock.set(opened)
        shifts.open_shift(desk, outgoing)
        clock.set(closed)
        notes = {
            item.complaint_id: "按承诺时间回复客户;如部门未回复请催办"
            for item in shifts.open_items(desk, outgoing)
        }
        shift = shifts.close_shift(desk, outgoing, notes, "今日客流较大,重大投诉请优先跟进")
        if filed:
            clock.set(closed + timedelta(minutes=5))
            shifts.acknowledge(desk, shift.id, incoming.work_no, _pin(incoming.work_no))
            clock.set(closed + timedelta(minutes=10))
            shifts.file_handover(desk, shift.id, manager.work_no, manager.pin, "已阅")
    clock.set(now)


_OPINIONS = (
    ("suggestion", "希望周末多开两个窗口,排队时间太长", "", "", "已转营业厅主任,周末增开一个窗口"),
    ("praise", "3号窗口营业员耐心帮我转套餐,点赞", "周女士", "", "已转达表扬"),
    ("opinion", "自助缴费机经常无法识别新版纸币", "", "", ""),
    ("complaint", "家里宽带报修三天没人上门", "赵先生", "13700001234", ""),
)


def _opinion_book(desk: Desk, clock: FrozenClock, actor: Actor, now: datetime) -> None:
    """A page of the paper book: processed entries from yesterday, two left for today."""
    yesterday = (now - timedelta(days=1)).astimezone(desk.tz)
    for line, (kind, content, name, contact, reply) in enumerate(_OPINIONS, start=3):
        written = yesterday if reply else now.astimezone(desk.tz)
        clock.set(written)
        entry = opinion_book.add_entry(desk, actor, opinion_book.EntryForm(
            written_on=f"{written:%Y-%m-%d}", page="12", line=str(line), kind=kind,
            content=content, customer_name=name, contact=contact,
        ))  # fmt: skip
        if reply:
            opinion_book.process_entry(desk, actor, entry.id, reply)
    clock.set(now)


def _pin(work_no: str) -> str:
    return next(s.pin for s in DEMO_STAFF if s.work_no == work_no)


_DEPARTMENT_FOR = {
    "NET": "network", "NEWBIZ": "new_business", "TARIFF": "marketing", "PROMO": "marketing",
    "PUBLICITY": "marketing", "BILLINFO": "billing", "PAYMENT": "it_support",
    "HANDLING": "channel", "HALL": "channel",
}  # fmt: skip


def _follow_up(
    desk: Desk,
    clock: FrozenClock,
    actor: Actor,
    complaint_id: str,
    root: str,
    now: datetime,
    rng: random.Random,
) -> None:
    """Carry a demo ticket as far along its life as its age allows, so the queue shows every
    state: waiting for dispatch, with a department, overdue, paused, closed awaiting the
    return visit, visited, and reopened."""
    start = clock.now()

    def at(delta: timedelta) -> bool:
        moment = start + delta
        if moment >= now:
            return False
        clock.set(moment)
        return True

    if rng.random() < 0.15 or not at(timedelta(minutes=20)):
        return  # left waiting for dispatch
    department = _DEPARTMENT_FOR[root]
    followup.dispatch(desk, actor, complaint_id, department=department, note="转相关部门核查")
    if at(timedelta(minutes=50)):
        followup.log_contact(
            desk,
            actor,
            complaint_id,
            reached=True,
            note="已告知客户正在核查",
            promise=format_local(clock.now() + timedelta(days=1), desk.tz),
        )
    if rng.random() < 0.1 and at(timedelta(hours=2)):
        followup.pause_clocks(
            desk,
            actor,
            complaint_id,
            until=format_local(now + timedelta(days=2), desk.tz),
            reason="customer_request",
            note="客户出差,要求后天再联系",
        )
        return
    if not at(timedelta(days=1)):
        return
    followup.department_reply(
        desk, actor, complaint_id, department=department, content="已核实并处理", final=True
    )
    if not at(timedelta(days=1, hours=2)):
        return
    followup.close(
        desk,
        actor,
        complaint_id,
        outcome="问题已解决,已向客户说明",
        satisfaction=rng.choice(["satisfied", "basically_satisfied", "declined"]),
    )
    if not at(timedelta(days=4)) or rng.random() < 0.3:
        return  # closed, return visit pending
    score = rng.choice([10, 9, 9, 8, 7, 5])
    followup.record_visit(desk, actor, complaint_id, score=score, note="电话回访")
