"""The demo store: staff of each role and a few dozen realistic complaints, made through the
same services as typed ones (so the change log and every rule apply), on a moving frozen clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Channel, Role, Satisfaction, Severity
from deskapp.domain.errors import RuleViolation
from deskapp.domain.severity import requires_major_report
from deskapp.domain.timefmt import format_local
from deskapp.domain.visits import ReopenCause
from deskapp.services import followup, opinion_book, shifts
from deskapp.services.desk import Actor, Desk
from deskapp.services.extensions import pending_of, running_clocks
from deskapp.services.followup import ClosingFacts
from deskapp.services.intake import IntakeForm, RefundForm, take_complaint
from deskapp.services.progress import Progress, no_progress
from deskapp.services.refunds import ticket_refunds
from deskapp.services.staff import actor_of, list_staff, seed_staff
from deskapp.services.terminal import init_terminal
from deskapp.store.models import Complaint

_REOPEN_CAUSES = [c.value for c in ReopenCause]

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
    DemoStaff("4001", "赵督办", Role.QA_MANAGER, "4444"),
    DemoStaff("4002", "钱主任", Role.SERVICE_HEAD, "5555"),
)

_Chain = dict[str, Actor]  # the demo's staff by work number
_Causes = dict[str, list[str]]  # the cause codes under each root of the catalogue
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
# What a customer says and wants, and the cause it is filed under (the cause fits the words:
# a ticket is read by its cause on F6, in the case library and by the repeat rule).
_STORIES = {
    "NET": [
        ("家里客厅和卧室手机经常没有信号,打电话要跑到阳台", "尽快解决室内信号问题",
         "NET.COVER.INDOOR"),
        ("最近一周通话经常掉线,影响工作", "查明原因并修复,减免本月月租", "NET.VOICE.DROP"),
    ],
    "NEWBIZ": [
        ("发现被开通了视频彩铃业务,本人从未办理", "取消业务并退还费用",
         "NEWBIZ.SUBSCRIBE.UNCONSENTED"),
        ("想退订流量包,短信退订一直失败", "立即帮忙退订", "NEWBIZ.CANCEL.HARD"),
    ],
    "TARIFF": [("套餐资费和办理时营业员介绍的不一致", "按当时承诺的资费执行",
                "TARIFF.RATE.INCONSISTENT")],
    "PROMO": [("参加存话费送手机活动,赠送话费没有按月到账", "补发赠送话费",
               "PROMO.FULFIL.NOT_CREDITED")],
    "PUBLICITY": [("宣传单写不限流量,实际超过40G就限速", "给个说法,按宣传兑现",
                   "PUBLICITY.MISLEAD.EXAGGERATE")],
    "BILLINFO": [
        ("上月账单多出一笔国际漫游费,本人没有出境", "核实并退还多收费用",
         "BILLINFO.ROAMING.INTL"),
        ("通话详单时长和实际通话时长不符,多计了费用", "核实后退还多收的钱",
         "BILLINFO.ACCURACY.CALL_TIME"),
    ],
    "PAYMENT": [
        ("欠费停机前没有收到任何提醒短信", "以后停机前提前通知,恢复开机",
         "PAYMENT.SUSPEND.NO_NOTICE"),
        ("网上缴费成功了但账户余额没有增加", "尽快到账", "PAYMENT.CREDIT.MISSING"),
    ],
    "HANDLING": [("上次投诉说三天内回复,到现在一周了没人联系", "尽快给答复并说明原因",
                  "HANDLING.TIMELINESS.OVERDUE")],
    "HALL": [
        ("排队等了一个多小时,只开了两个窗口", "高峰期多开窗口", "HALL.WAITING.LONG"),
        ("营业员办理业务时态度冷淡,不耐烦", "营业员道歉", "HALL.ATTITUDE.RUDE"),
    ],
}  # fmt: skip


def build_demo(
    db_path: Path,
    *,
    data_dir: Path | None = None,
    now: datetime | None = None,
    count: int = 40,
    seed: int = 7,
    progress: Progress = no_progress,
) -> None:
    """Build the demo store at `db_path` (which must not exist yet); `progress` is told each
    complaint taken ("demo", of `count` and the three closing steps)."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    clock = FrozenClock(now - timedelta(days=21))
    desk = Desk.open(db_path, clock=clock, data_dir=data_dir)
    try:
        init_terminal(desk, "DEMO", "T01", "Asia/Shanghai")
        seed_staff(desk, DEMO_ACTOR_ID, [(s.work_no, s.name, s.role, s.pin) for s in DEMO_STAFF])
        staff = {s.work_no: s for s in list_staff(desk)}
        handlers = [actor_of(staff["1001"]), actor_of(staff["1002"])]
        chain = {w: actor_of(s) for w, s in staff.items()}
        manager = DEMO_STAFF[2]
        causes = desk.refdata.causes
        by_root: _Causes = {}
        for path in causes.intake_paths():
            by_root.setdefault(path.root, []).append(path.code)
        phones = [f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" for _ in range(70)]
        # One number, one customer: the name is drawn once for each number.
        # (From a draw of their own: the main one goes on as before, so which tickets are
        # overdue, reopened or solved on the spot is what the tests of the demo expect.)
        named = random.Random(seed + 1)
        names = {p: named.choice(_SURNAMES) + named.choice(["先生", "女士"]) for p in phones}
        channels = list(Channel)
        weights = [30, 14, 6, 10, 4, 6, 3, 2, 1]
        total = count + 3
        progress("demo", 0, total)
        for i in range(count):
            received = now - timedelta(days=20 * (count - i) / count, minutes=rng.randint(0, 300))
            # Counters are open 08:30–18:00: keep demo times inside the day.
            local = received.astimezone(desk.tz)
            if not 9 <= local.hour < 18:
                received -= timedelta(hours=(local.hour - 10) % 24)
            clock.set(received + timedelta(minutes=rng.randint(1, 8)))
            root = rng.choice(list(_STORIES))
            content, demand, cause_code = rng.choice(_STORIES[root])
            channel = rng.choices(channels, weights)[0]
            severity = (
                Severity.MAJOR
                if channel in (Channel.CONSUMER_ASSOCIATION, Channel.REGULATOR, Channel.MEDIA)
                else (Severity.SERIOUS if rng.random() < 0.1 else Severity.GENERAL)
            )
            # 严重/重大 go up the chain before closing: never solved on the spot here.
            on_spot = (
                channel is Channel.WALK_IN and severity is Severity.GENERAL and rng.random() < 0.6
            )
            phone = rng.choice(phones)
            # The draws the demo made here for a name and a cause before each number had its
            # name and each story its cause: made still, so the rest of the data is as before.
            rng.choice(_SURNAMES), rng.choice(["先生", "女士"]), rng.choice(by_root[root])
            form = IntakeForm(
                received_at=format_local(received, desk.tz),
                channel=channel.value,
                customer_name=names[phone],
                contact_phone=phone,
                content=content,
                demand=demand,
                cause_code=cause_code,
                severity=severity.value,
                severity_reason="客户称已向上级公司反映" if severity is Severity.SERIOUS else "",
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
                _follow_up(desk, clock, taker, complaint.id, root, now, rng, chain)
            progress("demo", i + 1, total)
        _shifts(desk, clock, handlers, now)
        progress("demo", count + 1, total)
        _escalation_cases(desk, clock, chain, by_root, now)
        _refund_cases(desk, clock, chain, by_root, now)
        _extension_cases(desk, clock, chain, by_root, now)
        progress("demo", count + 2, total)
        _opinion_book(desk, clock, handlers[0], now)
        _watch_list(desk, clock, chain, now)
        _batch_and_case(desk, clock, chain, now)
        _accountability_cases(desk, clock, chain, now)
        progress("demo", total, total)
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


def _watch_list(desk: Desk, clock: FrozenClock, chain: _Chain, now: datetime) -> None:
    """重点客户名单 (issue 18): the customer who came back most often, a difficult customer the
    duty manager put on the watch list, with what was solved and what was refused."""
    from deskapp.services.customer import WatchForm, save_watch_entry

    with desk.read() as session:
        phone = session.scalars(
            sa.select(col(Complaint.contact_phone))
            .group_by(col(Complaint.contact_phone))
            .order_by(sa.func.count().desc(), col(Complaint.contact_phone))
            .limit(1)
        ).first()
        name = session.scalars(  # (the name the customer's tickets give: one number, one name)
            sa.select(col(Complaint.customer_name)).where(col(Complaint.contact_phone) == phone)
        ).first()
    if phone is None:
        return
    clock.set(now - timedelta(hours=2))
    manager = chain[DEMO_STAFF[2].work_no]
    review = (now + timedelta(days=60)).astimezone(desk.tz)
    save_watch_entry(desk, manager, WatchForm(
        customer=phone, kind="difficult", customer_name=name or "",
        designated_handler_id=manager.id,
        advice="先耐心听完;涉及赔偿的诉求请值班经理出面,不当场承诺",
        solved="多扣的流量费已按双倍返还;家中信号已报网络部建站",
        refused="要求每月免费话费 200 元作为补偿,已按政策拒绝",
        review_on=f"{review:%Y-%m-%d}",
    ))  # fmt: skip
    clock.set(now)


_CASE_LESSONS = (
    "先复述客户诉求再解释规则,客户情绪明显缓和",
    "当场查清原因并逐项说明,客户接受处理结果,未再升级",
)
# What the page prints of each case besides the ticket's facts, by the ticket's cause (the
# tickets marked depend on the demo's size): written for the meeting, with no name, number or
# address (the service refuses those). Any other cause: a summary from its label.
_CASE_SUMMARIES = {
    "TARIFF.RATE.INCONSISTENT": "客户来厅反映所用套餐的资费与办理时的介绍不一致,"
    "要求按当时的承诺执行。处理人调出办理记录逐项核对,当场说明差异并按承诺处理",
    "BILLINFO.ROAMING.INTL": "客户反映上月账单多出一笔国际漫游费,称本人没有出境。"
    "处理人当场调取详单核实,逐项说明,按规定处理多收的费用",
}


def _case_summary(desk: Desk, cause_code: str) -> str:
    if found := _CASE_SUMMARIES.get(cause_code):
        return found
    causes = desk.refdata.causes
    what = causes.path(cause_code).names[-1] if cause_code in causes else "业务"
    return f"客户来厅反映“{what}”的问题。处理人当场核实原因,逐项说明,按规定处理"


def _batch_and_case(desk: Desk, clock: FrozenClock, chain: _Chain, now: datetime) -> None:
    """批量投诉 and 案例库 (issue 18): a complaint plan the duty manager opened with last
    week's marketing campaign (a data-package promotion: a 流量包 cause) and closed when it
    ended; this morning's outage, still open, with the complaints linked to it (at intake
    and later from the ticket); and the ticket closed longest ago and the next one marked as
    cases for the morning meeting."""
    from deskapp.services.batches import BatchForm, close_batch, open_batch
    from deskapp.services.cases import mark_case
    from deskapp.services.followup import ClosingFacts

    manager = chain[DEMO_STAFF[2].work_no]
    clock.set(now - timedelta(days=9))
    plan = open_batch(desk, manager, BatchForm(
        title="流量包促销活动投诉预案", cause_code="TARIFF.DATA.PACK",
        area="本厅", description="促销期间办理流量包的客户可能对生效时间有疑问",
        campaign=True, scripts="流量包次月1日生效,当月按原套餐计费",
    ))  # fmt: skip
    clock.set(now - timedelta(days=2))
    close_batch(
        desk,
        manager,
        plan.id,
        "促销活动已结束,未收到相关投诉",
        ClosingFacts("department", department="marketing"),
    )
    _open_outage(desk, clock, chain, now)
    with desk.read() as session:
        closed = session.execute(
            sa.select(col(Complaint.id), col(Complaint.cause_code))
            .where(col(Complaint.status).in_(("closed", "visited")))
            .order_by(col(Complaint.closed_at))
            .limit(2)
        ).all()
    # Two cases (the demo), so the case library (Ctrl+\) has a list to search.
    for hours, (complaint_id, cause), lesson in zip((2, 1), closed, _CASE_LESSONS, strict=False):
        clock.set(now - timedelta(hours=hours))
        mark_case(desk, manager, complaint_id, lesson, _case_summary(desk, cause))
    clock.set(now)


_OUTAGE_COMPLAINTS = (
    ("蒋先生", "13500004001", "家里手机从早上开始完全没有信号"),
    ("沈女士", "13500004002", "小区里打不了电话,影响上班联系客户"),
    ("韩先生", "13500004003", "早上起就没信号,家里老人联系不上"),
)


def _open_outage(desk: Desk, clock: FrozenClock, chain: _Chain, now: datetime) -> None:
    """The outage of this morning, open on F11 with its tickets: two linked at intake, one
    linked later from the ticket (B), so intake suggests it and closing it has work to do."""
    from deskapp.services.batches import BatchForm, link_to_batch, open_batch

    manager, taker = chain[DEMO_STAFF[2].work_no], chain[DEMO_STAFF[0].work_no]
    clock.set(now - timedelta(hours=5))
    outage = open_batch(desk, manager, BatchForm(
        title="城东基站停电", cause_code="NET.OUTAGE.AREA", area="城东片区三个小区",
        description="供电局检修线路,城东基站停电,三个小区无信号", started_at="",
        scripts="基站停电抢修中,预计今天18:00前恢复,恢复后短信通知",
    ))  # fmt: skip
    for i, (name, phone, content) in enumerate(_OUTAGE_COMPLAINTS):
        received = now - timedelta(hours=4 - i)
        clock.set(received)
        ticket = take_complaint(desk, taker, IntakeForm(
            customer_name=name, contact_phone=phone, content=content, demand="尽快恢复信号",
            cause_code="NET.OUTAGE.AREA", received_at=format_local(received, desk.tz),
            promised_reply_at=format_local(received + timedelta(hours=20), desk.tz),
            batch_id=outage.id if i < 2 else "",
        ))  # fmt: skip
        if i == 2:
            link_to_batch(desk, taker, ticket.id, outage.id)


def _accountability_cases(desk: Desk, clock: FrozenClock, chain: _Chain, now: datetime) -> None:
    """问责数据 (issue 17) on F6 whatever the random tickets were: a customer back a third time
    about the same matter (同一问题被投诉三次以上, linked by the repeat rule) and a complaint about
    刘洋 taken by 张敏 (本厅员工被投诉), each solved on the spot."""
    zhang, liu = chain[DEMO_STAFF[0].work_no], chain[DEMO_STAFF[1].work_no]
    # Numbers of their own (not the other demo tickets'): a customer is one number, and a
    # ticket is a repeat only of that customer's earlier ones about the same matter.
    for days in (12, 6, 1):
        clock.set(now - timedelta(days=days))
        take_complaint(desk, zhang, IntakeForm(
            customer_name="卫先生", contact_phone="13500013001", content="家里信号又不好了",
            demand="彻底解决", cause_code="NET.COVER.INDOOR", solved_on_spot=True,
            outcome="已重启基站并解释",
            satisfaction=Satisfaction.BASICALLY_SATISFIED.value,
        ))  # fmt: skip
    clock.set(now - timedelta(hours=3))
    take_complaint(desk, zhang, IntakeForm(
        customer_name="褚女士", contact_phone="13500013002", content="营业员办理业务时不耐烦",
        demand="道歉", cause_code="HALL.ATTITUDE.RUDE", solved_on_spot=True, outcome="当面致歉",
        satisfaction=Satisfaction.SATISFIED.value, accused_staff_id=liu.id,
    ))  # fmt: skip
    # 压单 over several working days (续超天数, +50 a further day on F6 `a`): a ticket taken
    # eight days ago, its promised call never made.
    clock.set(now - timedelta(days=8))
    take_complaint(desk, liu, IntakeForm(
        customer_name="许先生", contact_phone="13500013003", content="宽带经常掉线",
        demand="上门检修", cause_code="NET.BROADBAND.DOWN",
        promised_reply_at=format_local(now - timedelta(days=7), desk.tz),
    ))  # fmt: skip
    clock.set(now)


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


def _escalation_cases(
    desk: Desk, clock: FrozenClock, chain: _Chain, by_root: _Causes, now: datetime
) -> None:
    """Three tickets of this afternoon that exercise the escalation chain and an internal
    complaint, whatever the random ones above turned out: a complaint the regulator passed on
    (重大), on its way up the chain with the first opinions on its report form; a customer who
    threatened the media 40 minutes ago (reported to the duty manager, the media report due in
    20 minutes); staff complaining about a colleague, the department head asked to explain."""
    handler, duty, hall = chain["1001"], chain["2001"], chain["3001"]

    def form(received: datetime, **values: str | bool) -> IntakeForm:
        clock.set(received + timedelta(minutes=3))
        base: dict[str, Any] = {
            "received_at": format_local(received, desk.tz),
            "promised_reply_at": format_local(received + timedelta(hours=20), desk.tz),
            "cause_code": by_root["BILLINFO"][0],
            "demand": "核实并退还多收费用",
        }
        return IntakeForm(**(base | values))

    start = now - timedelta(hours=3)
    regulator = take_complaint(desk, handler, form(
        start, channel=Channel.REGULATOR.value, severity=Severity.MAJOR.value,
        customer_name="郑先生", contact_phone="13600001111",
        content="通管局转来:连续三个月被扣取未订购的增值业务费",
        cause_code="BILLINFO.ACCURACY.SP"))  # fmt: skip
    steps: list[tuple[timedelta, Callable[[], object]]] = [
        (timedelta(minutes=10), lambda: followup.escalate(
            desk, handler, regulator.id, note="通管局转办,重大投诉,上报值班经理")),
        (timedelta(minutes=15), lambda: followup.give_opinion(
            desk, handler, regulator.id, opinion="已安抚客户,核实扣费记录")),
        (timedelta(minutes=20), lambda: followup.dispatch(
            desk, handler, regulator.id, department="billing", note="核查增值业务订购记录")),
        (timedelta(minutes=40), lambda: followup.give_opinion(
            desk, duty, regulator.id, opinion="同意,请厅经理督办")),
        (timedelta(minutes=45), lambda: followup.escalate(
            desk, duty, regulator.id, note="上报厅经理")),
        (timedelta(minutes=55), lambda: followup.log_contact(
            desk, handler, regulator.id, reached=True, note="告知客户正在核查")),
    ]  # fmt: skip
    for after, step in steps:
        clock.set(start + after)
        step()
    clock.set(start + timedelta(hours=1))
    followup.give_opinion(desk, hall, regulator.id, opinion="退费后上报分公司质量监控")

    threatened = now - timedelta(minutes=45)
    media = take_complaint(desk, handler, form(
        threatened, channel=Channel.WALK_IN.value, customer_name="冯女士",
        contact_phone="13600002222", content="宽带多次报修无人上门,客户称要找电视台曝光",
        cause_code="NET.BROADBAND.REPAIR", demand="今天上门修复", claimed_to="media",
        severity=Severity.MAJOR.value))  # fmt: skip
    clock.set(threatened + timedelta(minutes=10))
    followup.escalate(desk, handler, media.id, note="客户声称找媒体,立即报值班经理")

    clock.set(now - timedelta(days=1, hours=2))
    internal = take_complaint(desk, handler, form(
        now - timedelta(days=1, hours=2, minutes=3), internal=True, customer_name="营业员 林",
        contact_phone="13600003333", content="后台支撑组多次不回复工单催办,影响客户答复",
        cause_code=by_root["HANDLING"][0], demand="说明原因并改进"))  # fmt: skip
    clock.set(now - timedelta(days=1, hours=1))
    followup.request_explanation(desk, duty, internal.id, head="后台支撑组 孙组长",
                                 note="请一个工作日内书面说明")  # fmt: skip
    clock.set(now)


def _refund_cases(
    desk: Desk, clock: FrozenClock, chain: _Chain, by_root: _Causes, now: datetime
) -> None:
    """Refunds after intake in every state (issue 17), on billing tickets of the last days:
    approved and waiting to be paid (its pay clock running), approved beyond the rule by the
    duty manager after the duty manager's own approval of it was refused (the attempt is in
    the audit), paid but the customer not yet told, and paid, told and closed."""
    handler, duty = chain["1001"], chain["2001"]
    manager = DEMO_STAFF[2]

    def ticket(received: datetime, name: str, phone: str, content: str, cause: str) -> str:
        clock.set(received + timedelta(minutes=3))
        return take_complaint(desk, handler, IntakeForm(
            received_at=format_local(received, desk.tz), customer_name=name, contact_phone=phone,
            content=content, demand="核实并退还多收费用", cause_code=cause,
            promised_reply_at=format_local(received + timedelta(hours=20), desk.tz),
        )).id  # fmt: skip

    def verified(error_type: str, charged: str, should: str, **extra: Any) -> RefundForm:
        return RefundForm(error_type=error_type, charged=charged, should_have_charged=should,
                          verified=True, verification="计费账务中心核实话单与计费记录",
                          **extra)  # fmt: skip

    start = now - timedelta(hours=5)
    waiting = ticket(
        start,
        "冯女士",
        "13500002001",
        "上月通话时长被多计了二十分钟",
        "BILLINFO.ACCURACY.CALL_TIME",
    )
    clock.set(start + timedelta(hours=2))
    followup.record_refund(desk, handler, waiting, verified("call_record", "26.00", "20.00"))

    beyond = ticket(start + timedelta(minutes=20), "蒋先生", "13500002002",
                    "优惠套餐承诺的流量包没有生效,被按标准资费收费",
                    "PROMO.FULFIL.NOT_CREDITED")  # fmt: skip
    clock.set(start + timedelta(hours=2, minutes=30))
    more = dict(amount="50.00", approval_reason="客户多次往返营业厅,经理同意额外补偿")
    with suppress(RuleViolation):  # the duty manager may not approve their own (四眼)
        followup.record_refund(desk, duty, beyond, verified(
            "promotion_not_applied", "68.00", "38.00", approver_work_no=manager.work_no,
            approver_pin=manager.pin, **more))  # fmt: skip
    hall = DEMO_STAFF[3]
    followup.record_refund(desk, duty, beyond, verified(
        "promotion_not_applied", "68.00", "38.00", approver_work_no=hall.work_no,
        approver_pin=hall.pin, **more))  # fmt: skip

    paid = ticket(start + timedelta(minutes=40), "韩女士", "13500002003",
                  "没有出境却被收取了边界漫游费", "BILLINFO.ROAMING.BORDER")  # fmt: skip
    clock.set(start + timedelta(hours=3))
    followup.record_refund(desk, handler, paid, verified("border_roaming", "15.00", "0.00"))
    clock.set(start + timedelta(hours=3, minutes=30))
    followup.pay_refund(desk, handler, paid, refund_id=_only_refund(desk, paid),
                        method="account_credit", reference="CZ-DEMO-0001")  # fmt: skip

    told = ticket(start + timedelta(minutes=50), "杨先生", "13500002004",
                  "信息服务费每月多扣了五元", "BILLINFO.ACCURACY.SP")  # fmt: skip
    clock.set(start + timedelta(hours=3, minutes=40))
    followup.record_refund(desk, handler, told, verified("info_service_overcharged", "10.00",
                                                         "5.00"))  # fmt: skip
    clock.set(start + timedelta(hours=4))
    followup.pay_refund(desk, handler, told, refund_id=_only_refund(desk, told), method="cash",
                        reference="SJ-DEMO-0002")  # fmt: skip
    clock.set(start + timedelta(hours=4, minutes=5))
    followup.tell_refund(desk, handler, told, refund_id=_only_refund(desk, told),
                         note="已电话告知客户退费10元,客户认可")  # fmt: skip
    followup.log_contact(desk, handler, told, reached=True, note="告知处理结果")
    followup.close(desk, handler, told, outcome="已双倍退还多收信息服务费并告知客户",
                   satisfaction=Satisfaction.SATISFIED.value,
                   facts=closing_facts(desk, told))  # fmt: skip
    # The visit finds the customer still disputing only the amount: reported unsatisfied under
    # that exception, the duty manager's approval of their own visit refused, the hall
    # manager's granted (both attempts in the visit_approval audit).
    clock.set(start + timedelta(hours=4, minutes=30))
    note = "客户认可退费,但认为补偿金额偏少"
    for approver, pin in ((duty.work_no, _pin(duty.work_no)), (hall.work_no, hall.pin)):
        with suppress(RuleViolation):  # 四眼: the duty manager's own approval is refused
            followup.record_visit(desk, duty, told, satisfaction=Satisfaction.UNSATISFIED.value,
                                  exception="compensation_only", note=note,
                                  approver_work_no=approver, approver_pin=pin)  # fmt: skip
    clock.set(now)


def _extension_cases(
    desk: Desk, clock: FrozenClock, chain: _Chain, by_root: _Causes, now: datetime
) -> None:
    """延期申请 in each state (issue 17): a network ticket whose whole-resolution deadline the
    duty manager extended, kept in touch with the customer and closed after its first deadline
    but before the new one (on time after an extension, in the reports); one the duty manager
    refused (shown on the ticket, nothing moved); one waiting for the duty manager (F4 marks
    it, the duty manager is told at sign-in)."""
    handler, duty = chain["1001"], DEMO_STAFF[2]

    def ticket(received: datetime, name: str, phone: str, content: str,
               cause: str = "NET.COVER.INDOOR") -> str:  # fmt: skip
        clock.set(received + timedelta(minutes=3))
        return take_complaint(desk, handler, IntakeForm(
            received_at=format_local(received, desk.tz), customer_name=name, contact_phone=phone,
            content=content, demand="尽快恢复信号", cause_code=cause,
            promised_reply_at=format_local(received + timedelta(hours=20), desk.tz),
        )).id  # fmt: skip

    def resolution_due(cid: str) -> datetime:
        with desk.read() as session:
            complaint = session.get(Complaint, cid)
            assert complaint is not None
            return next(c.deadline.at for c in running_clocks(session, desk, complaint)
                        if c.kind.value.startswith("resolution_"))  # fmt: skip

    def decide(cid: str, decision: str, note: str = "") -> None:
        (pending,) = pending_of(desk, cid)
        followup.decide_extension(desk, handler, cid, extension_id=pending.id, decision=decision,
                                  approver_work_no=duty.work_no, approver_pin=duty.pin,
                                  note=note)  # fmt: skip

    # Approved: kept in touch every half working day, closed between the two deadlines.
    start = _morning(desk, now - timedelta(days=9))
    kept = ticket(start, "郑先生", "13500003001", "小区基站检修后家里一直没有信号")
    original = resolution_due(kept)
    moment, asked = start + timedelta(minutes=5), False
    while moment < original + timedelta(hours=2):
        moment += timedelta(minutes=30)
        clock.set(moment)
        with desk.read() as session:
            row = session.get(Complaint, kept)
            assert row is not None and row.next_due_at is not None
            due, which = row.next_due_at, row.next_clock
        if which != "resolution_general" and due - moment <= timedelta(minutes=45):
            followup.log_contact(desk, handler, kept, reached=True, note="告知客户基站修复进展")
        if not asked and original - moment <= timedelta(hours=20):
            followup.request_extension(
                desk, handler, kept, clock="resolution_general",
                new_due=format_local(original + timedelta(days=2), desk.tz),
                reason="网络部需更换天线,厂家配件后天到货",
            )  # fmt: skip
            clock.set(moment + timedelta(minutes=10))
            decide(kept, "approve", "同意,配件到货后立即安排")
            asked = True
    followup.close(desk, handler, kept, outcome="更换天线后室内信号恢复,客户确认",
                   satisfaction=Satisfaction.SATISFIED.value,
                   facts=closing_facts(desk, kept))  # fmt: skip

    # Refused, and waiting: on tickets of today.
    refused = ticket(now - timedelta(hours=4), "钱女士", "13500003002", "地下车库没有信号")
    clock.set(now - timedelta(hours=3))
    followup.request_extension(desk, handler, refused, clock="resolution_general",
                               new_due=format_local(resolution_due(refused) + timedelta(days=3),
                                                    desk.tz),
                               reason="需协调物业进场安装室分")  # fmt: skip
    clock.set(now - timedelta(hours=2, minutes=30))
    decide(refused, "refuse", "先安排临时方案,时限内办结")
    waiting = ticket(
        now - timedelta(hours=2),
        "孙先生",
        "13500003003",
        "新装宽带下午总掉线",
        "NET.BROADBAND.DOWN",
    )
    clock.set(now - timedelta(hours=1))
    followup.request_extension(desk, chain["1002"], waiting, clock="resolution_general",
                               new_due=format_local(resolution_due(waiting) + timedelta(days=2),
                                                    desk.tz),
                               reason="等待网络部光衰测试结果")  # fmt: skip
    clock.set(now - timedelta(minutes=10))
    for cid in (refused, waiting):  # kept in touch meanwhile: not a wall of overdue tickets
        followup.log_contact(desk, handler, cid, reached=True, note="告知客户处理进展")
    clock.set(now)


def _morning(desk: Desk, around: datetime) -> datetime:
    """09:30 of the first working day from `around`'s date on (the hall's calendar)."""
    calendar = desk.refdata.work_calendar_for(desk.tz)
    day = around.astimezone(desk.tz).date()
    while not calendar.day(day).working:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=desk.tz)


def closing_facts(desk: Desk, complaint_id: str) -> ClosingFacts:
    """The responsible party and the level-4 finding a demo ticket is closed with: the
    department of its cause's top level, the customer for a no-fault ticket, and the first
    finding the cause tree offers."""
    with desk.read() as session:
        c = session.get(Complaint, complaint_id)
        assert c is not None
        cause, no_fault = c.cause_code, c.no_fault
    findings = desk.refdata.causes.children(cause)
    # 责任界定 follows the cause's top level (no randomness: the seeded tickets stay as they were)
    department = _DEPARTMENT_FOR.get(cause.split(".")[0], "")
    finding = findings[0].code if findings else ""
    if no_fault or not department:
        return ClosingFacts("customer", finding=finding)
    return ClosingFacts("department", department, finding=finding)


def _only_refund(desk: Desk, complaint_id: str) -> str:
    (refund,) = ticket_refunds(desk, complaint_id)
    return refund.id


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
    chain: _Chain,
) -> None:
    """Carry a demo ticket as far along its life as its age allows, the way a hall works it,
    so the queue shows every state: just taken, with a department, escalated and supervised,
    paused, closed awaiting the return visit, visited, reopened, in its care months. Hall
    service and complaint-handling complaints the handler keeps and solves himself; the others
    go to their department within the half hour."""
    start = clock.now()

    def at(delta: timedelta) -> bool:
        moment = start + delta
        if moment >= now:
            return False
        clock.set(moment)
        return True

    with desk.read() as session:
        complaint = session.get(Complaint, complaint_id)
        assert complaint is not None
        severity, channel = Severity(complaint.severity), complaint.channel
    if not at(timedelta(minutes=10)):
        return  # just taken
    if channel == Channel.MEDIA.value:
        followup.report_media(desk, actor, complaint_id, note="已报公司办公室和市场部")
    elif severity is Severity.GENERAL and rng.random() < 0.12:
        # The customer says they will go to the head office: 严重, and reported at once.
        followup.flag_hidden_risk(desk, actor, complaint_id, claimed_to="head_office",
                                  note="客户表示如不解决将向上级公司投诉")  # fmt: skip
        severity = Severity.SERIOUS
    if severity is not Severity.GENERAL:
        followup.escalate(desk, actor, complaint_id, note="按级别逐级上报值班经理")
    keeps = root in ("HALL", "HANDLING")
    department = _DEPARTMENT_FOR[root]
    if not keeps:
        if not at(timedelta(minutes=20)):
            return
        followup.dispatch(desk, actor, complaint_id, department=department, note="转相关部门核查")
    if at(timedelta(minutes=50)):
        followup.log_contact(
            desk,
            actor,
            complaint_id,
            reached=True,
            note="已告知客户正在核查",
            promise=format_local(clock.now() + timedelta(hours=20), desk.tz),
        )
    if rng.random() < 0.1 and at(timedelta(hours=2)):
        later = format_local(now + timedelta(days=2, hours=1), desk.tz)
        followup.log_contact(
            desk, actor, complaint_id, reached=True, note="客户出差", promise=later
        )
        followup.pause_clocks(
            desk,
            actor,
            complaint_id,
            until=format_local(now + timedelta(days=2), desk.tz),
            reason="customer_request",
            note="客户出差,要求后天再联系",
        )
        return
    if not at(timedelta(hours=4)):
        return
    followup.log_contact(desk, actor, complaint_id, reached=True, note="向客户通报进度")
    if not at(timedelta(hours=6)):
        return
    if not keeps:
        followup.department_reply(
            desk, actor, complaint_id, department=department, content="已核实并处理", final=True
        )
    if severity is not Severity.GENERAL and not _escalated_for_closing(
        desk, actor, complaint_id, severity, chain, at
    ):
        return
    if not at(timedelta(hours=7)):
        return
    followup.close(
        desk,
        actor,
        complaint_id,
        outcome="问题已解决,已向客户说明",
        satisfaction=rng.choice(["satisfied", "basically_satisfied", "declined"]),
        facts=closing_facts(desk, complaint_id),
    )
    recent = start > now - timedelta(days=6)  # its return visit is not due yet
    # A hall is not perfect: now and then a return visit is forgotten past its 7 working days.
    if not at(timedelta(days=4)) or (recent and rng.random() < 0.5) or rng.random() < 0.1:
        return  # closed, return visit pending (or overdue)
    score = rng.choice([10, 9, 9, 8, 7, 5])
    # A reopening says why (重启原因): the causes taken in turn by the day, so the demo's
    # reopens show several (without another draw, which would change the rest of the data).
    cause = _REOPEN_CAUSES[start.toordinal() % len(_REOPEN_CAUSES)] if score <= 6 else ""
    note = "电话回访" if cause != "other" else "电话回访,客户认为解释前后不一致"
    followup.record_visit(desk, actor, complaint_id, score=score, note=note, reopen_cause=cause)
    if score <= 6:  # unsatisfied: reopened (重启工单), handled again
        if not at(timedelta(days=4, minutes=30)):
            return
        again = format_local(clock.now() + timedelta(hours=20), desk.tz)
        followup.log_contact(
            desk, actor, complaint_id, reached=True, note="重新核查", promise=again
        )
        if not at(timedelta(days=4, hours=5)):
            return
        followup.close(desk, actor, complaint_id, outcome="重新处理完毕,客户认可",
                       satisfaction="satisfied",
                       facts=closing_facts(desk, complaint_id))  # fmt: skip
        if at(timedelta(days=6)):
            followup.record_visit(desk, actor, complaint_id, score=9, note="二次回访")
        return
    if at(timedelta(days=31)):
        followup.record_care(desk, actor, complaint_id, note="第一次关怀回访,客户无新问题")


def _escalated_for_closing(
    desk: Desk,
    handler: Actor,
    complaint_id: str,
    severity: Severity,
    chain: _Chain,
    at: Callable[[timedelta], bool],
) -> bool:
    """逐级上报 to the level the severity needs (the duty manager has it already), each level's
    opinion on the report form of a 重大 complaint, and the form filed. False: not yet there."""
    needed = desk.refdata.escalation_rules.required_level[severity]
    people = [handler, chain["2001"], chain["3001"], chain["4001"], chain["4002"]]
    for level in range(1, needed):
        if not at(timedelta(hours=6, minutes=5 * level)):
            return False
        followup.escalate(desk, people[level], complaint_id, note="逐级上报")
    if not requires_major_report(severity):  # the report form: 重大 only
        return True
    if not at(timedelta(hours=6, minutes=40)):
        return False
    for person in people[: needed + 1]:
        followup.give_opinion(desk, person, complaint_id, opinion="同意处理意见")
    followup.file_report(desk, handler, complaint_id, outcome="已向客户道歉并解决",
                         compensation="赠送话费 20 元")  # fmt: skip
    return True
