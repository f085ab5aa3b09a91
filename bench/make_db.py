"""A store with 100,000 complaints over about three years, for the other benchmarks.

Rows are made as ORM objects and written through `Desk.write(actor_id)` in large batches, so
the session hook of deskapp/store/changelog.py writes their change-log rows exactly as it does
for typed complaints, and the FTS triggers index them; only the intake rules (which refuse a
received time older than 30 days) are bypassed. The result is kept in bench/out/ and reused
while its manifest matches (row count, schema head, generator version).

    python -m bench.make_db [--rows 100000] [--force]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import OUT, drop_copy, machine_info

GENERATOR_VERSION = 2  # 2: open complaints get their follow-up clocks (next_due_at)
DEFAULT_ROWS = 100_000
SEED = 20261124
BATCH = 5_000
YEARS = 3
HALL, TERMINAL, TZ = "GZ01", "T03", "Asia/Shanghai"
BENCH_ACTOR = "system:bench"

# Searches in bench/search.py: a word most complaints about money contain, and one that
# appears in exactly RARE_COUNT complaints (nowhere else in the generated text).
COMMON_WORD = "费用"
RARE_WORD = "卫星"
RARE_COUNT = 12


@dataclass(frozen=True)
class BenchStaff:
    work_no: str
    name: str
    role: str
    pin: str


STAFF = (
    BenchStaff("1001", "张敏", "handler", "1111"),
    BenchStaff("1002", "刘洋", "handler", "2222"),
    BenchStaff("1003", "黄丽", "handler", "3333"),
    BenchStaff("1004", "周强", "handler", "4444"),
    BenchStaff("1005", "吴婷", "handler", "5555"),
    BenchStaff("1006", "郑凯", "handler", "6666"),
    BenchStaff("2001", "王芳", "duty_manager", "8888"),
    BenchStaff("3001", "陈静", "hall_manager", "9999"),
)
SIGNIN = STAFF[0]  # the work number the UI benchmarks sign in with

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文斌志红玉梅鹏飞婷宇浩然欣怡子轩雨萱晨"  # noqa: E501

_OPENERS = [
    "",
    "",
    "客户来厅反映,",
    "客户称,",
    "用户表示,",
    "客户情绪激动,称",
    "客户第二次来厅,称",
    "客户电话反映,",
    "客户家属代为反映,",
    "客户通过意见簿留言,",
]
_CORE = {
    "NET": [
        "家里客厅和卧室手机经常没有信号,打电话要跑到阳台",
        "最近一周通话经常掉线,影响正常工作",
        "小区地下车库完全没有信号,出了事都没法求助",
        "晚上八点以后上网特别慢,视频根本打不开",
        "宽带三天两头断网,报修之后师傅一直没有上门",
        "办理的五百兆宽带实测只有几十兆,远达不到宣传的速率",
        "打电话对方经常听不清,有杂音而且断断续续",
        "所在片区停电后基站也断了,整整一天无法通信,事先也没有任何通知",
        "新换的手机显示有5G,但是信号一会有一会没有",
    ],
    "NEWBIZ": [
        "发现被开通了视频彩铃业务,本人从未办理,每月被扣费用",
        "想退订流量包,短信退订一直失败,客服也说办不了",
        "营业员在办理换卡时捆绑开通了会员业务,没有告知费用",
        "开通的云盘业务用不了,登录一直提示失败",
        "合约期内要求退订增值业务被拒绝,说要交违约费用",
        "家里老人的号码被开通了多项付费业务,老人根本不会用",
    ],
    "TARIFF": [
        "套餐资费和办理时营业员介绍的不一致,每月多出二十元费用",
        "原来的套餐下架了,被强制转到更贵的套餐",
        "流量超出后套外费用太高,一个月多扣了一百多元",
        "合约还没到期,想改小套餐,说要交违约金",
        "最低消费的规定办理时没有讲清楚",
    ],
    "PROMO": [
        "参加存话费送手机活动,赠送话费没有按月到账",
        "活动规则和宣传的不一样,说好的返还费用没有返",
        "老用户不能参加新用户的优惠活动,觉得不公平",
        "活动到期后自动续费,没有任何提醒",
        "说好送的赠品到现在也没有收到",
    ],
    "PUBLICITY": [
        "宣传单写不限流量,实际超过四十G就限速",
        "营业员口头承诺的优惠后来不认账",
        "每天收到好几条营销短信,退订了还在发",
        "营销电话一天打好几次,严重影响生活",
        "营业员强行推销宽带,不办就不给办理其他业务",
    ],
    "BILLINFO": [
        "上月账单多出一笔国际漫游费用,本人没有出境",
        "通话详单时长和实际通话时长不符,多计了费用",
        "流量明明没有用完却被收了套外流量费用",
        "账单上有一项代收费用,不知道是什么业务",
        "在边境附近被收了漫游费用,人根本没有出去",
        "余额提醒短信不准,刚充值就说余额不足",
    ],
    "PAYMENT": [
        "欠费停机前没有收到任何提醒短信",
        "网上缴费成功了但账户余额没有增加",
        "缴费后二十四小时还没有复机,耽误了很多事",
        "申请退费一个多月了,费用还没有退回",
        "开具的发票金额和实际缴纳的费用不符",
        "自动扣款失败导致停机,银行卡里明明有钱",
    ],
    "HANDLING": [
        "上次投诉说三天内回复,到现在一周了没人联系",
        "投诉处理了很久,问题还是没有解决",
        "对上次的处理结果不满意,要求重新处理",
        "每次打电话都要重新说一遍情况,没有人负责到底",
    ],
    "HALL": [
        "排队等了一个多小时,只开了两个窗口",
        "营业员办理业务时态度冷淡,不耐烦",
        "营业厅的自助缴费机坏了好几天也没人修",
        "营业员业务不熟练,一个简单业务办了四十分钟",
        "预约的时间到厅还要重新排队",
    ],
}
_DETAILS = [
    "已经持续一个多月了。",
    "之前打过10086,说会有人联系,但一直没有回音。",
    "客户要求给出书面说明。",
    "客户表示如果不解决将向工信部投诉。",
    "客户年纪较大,不太会用智能手机,由子女陪同来厅。",
    "经查询系统记录,情况基本属实。",
    "客户提供了短信截图和通话记录作为证据。",
    "客户称营业员当时没有说明清楚,也没有让客户签字确认。",
    "客户对之前的处理结果不满意。",
    "客户说家里老人也用这个号码,影响联系。",
    "客户要求尽快回复,留了备用联系电话。",
    "客户表示在本厅办理业务已有十几年,是老用户了。",
    "客户是做生意的,电话打不通直接影响收入。",
    "同一小区的邻居也有同样的问题。",
    "客户称已经是第三次反映这个问题。",
    "客户情绪比较激动,经安抚后情绪稳定。",
    "客户希望以后类似情况能提前发短信通知。",
    "客户上个月也遇到过一次,当时以为是偶然。",
    "客户查询了近三个月的账单,每个月都有这一项。",
    "客户表示可以接受调查,但要求给出明确的处理时间。",
]
_DEMANDS = {
    "NET": ["尽快解决信号问题", "查明原因并修复,减免本月月租", "尽快派人上门维修", "给个说法"],
    "NEWBIZ": ["取消业务并退还费用", "立即帮忙退订", "退还被扣的费用并道歉", "关闭所有增值业务"],
    "TARIFF": ["按当时承诺的资费执行", "退还多收的费用", "免收违约金,改为小套餐"],
    "PROMO": ["补发赠送话费", "按宣传兑现优惠", "补发赠品"],
    "PUBLICITY": ["给个说法,按宣传兑现", "不要再发营销短信", "营业员道歉"],
    "BILLINFO": ["核实并退还多收费用", "核实后退还多收的钱", "解释清楚账单"],
    "PAYMENT": ["尽快到账", "以后停机前提前通知,恢复开机", "尽快退费", "重新开具发票"],
    "HANDLING": ["尽快给答复并说明原因", "换人处理", "给出最终处理结果"],
    "HALL": ["高峰期多开窗口", "营业员道歉", "尽快修好自助设备"],
}
_RARE_SENTENCE = "客户常年出海,在船上用卫星电话联系家人,回来后发现号码被停机"
_OUTCOMES = [
    "已向客户解释并当场处理完毕",
    "已为客户退订并退还费用",
    "已核实并当场补发",
    "已道歉,客户接受",
]
_CHANNELS = [
    ("walk_in", 30),
    ("hotline", 14),
    ("opinion_book", 6),
    ("phone", 10),
    ("letter_visit", 4),
    ("online", 6),
    ("consumer_association", 3),
    ("regulator", 2),
    ("media", 1),
]
_MAJOR_CHANNELS = {"consumer_association", "regulator", "media"}


def db_path(rows: int = DEFAULT_ROWS) -> Path:
    return OUT / f"desk-{rows}.db"


def manifest_path(rows: int = DEFAULT_ROWS) -> Path:
    return OUT / f"desk-{rows}.json"


def expected_key(rows: int) -> dict:
    from deskapp.store.migrate import HEAD_REVISION

    return {"rows": rows, "schema_head": HEAD_REVISION, "generator": GENERATOR_VERSION}


def load_manifest(rows: int = DEFAULT_ROWS) -> dict | None:
    """The manifest of a usable generated store, or None when it must be (re)built."""
    path, manifest = db_path(rows), manifest_path(rows)
    if not path.exists() or not manifest.exists():
        return None
    try:
        data = json.loads(manifest.read_text())
    except ValueError:
        return None
    if data.get("key") != expected_key(rows):
        return None
    # immutable: a look that leaves no -wal/-shm files beside the store.
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        count = conn.execute("SELECT count(*) FROM complaint").fetchone()[0]
    finally:
        conn.close()
    return data if count == rows else None


_announced: set[int] = set()


def ensure_db(rows: int = DEFAULT_ROWS, *, force: bool = False, quiet: bool = False) -> dict:
    """Build the store unless a matching one is there; its manifest either way."""
    manifest = None if force else load_manifest(rows)
    if manifest is not None:
        manifest["reused"] = True
        if not quiet and rows not in _announced:
            _announced.add(rows)
            print(
                f"make_db: reusing {db_path(rows)} ({rows:,} complaints, built "
                f"{manifest['built_at']} in {manifest['seconds']:.1f} s)"
            )
        return manifest
    return build(rows, quiet=quiet)


# ------------------------------------------------------------------------------ generation


@dataclass
class _Customer:
    name: str
    phone: str
    last_complaint: tuple[str, str, datetime] | None = None  # id, ticket, received


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.06:  # a landline
        area = rng.choice(["020", "0755", "0757", "0760", "010", "021"])
        return f"{area}-{rng.randint(2, 9)}{rng.randint(0, 9_999_999):07d}"
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


def _name(rng: random.Random) -> str:
    surname = rng.choice(_SURNAMES)
    if rng.random() < 0.35:
        return surname + rng.choice(["先生", "女士"])
    return surname + "".join(rng.choice(_GIVEN) for _ in range(rng.choice([1, 2, 2])))


def _content(rng: random.Random, root: str, cause_name: str) -> str:
    parts = [rng.choice(_OPENERS), rng.choice(_CORE[root])]
    if rng.random() < 0.3:
        parts.append(f"(问题类型:{cause_name})")
    parts.append("。")
    # Mostly short notes, some long ones: 0–2 details usually, up to 40 for a few.
    extra = min(int(rng.lognormvariate(0.3, 0.9)), 40)
    parts.extend(rng.choice(_DETAILS) for _ in range(extra))
    return "".join(parts)[:2000]


def _received_times(rng: random.Random, rows: int, now: datetime, tz: ZoneInfo) -> list[datetime]:
    """Working-hours receive times over YEARS years, busier on weekdays and growing a little."""
    first_day = (now - timedelta(days=365 * YEARS)).astimezone(tz).date()
    last_day = now.astimezone(tz).date()
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    weights = [
        (0.7 if d.weekday() >= 5 else 1.0) * (0.8 + 0.4 * i / len(days)) for i, d in enumerate(days)
    ]
    latest = now - timedelta(minutes=15)
    out: list[datetime] = []
    while len(out) < rows:
        for day in rng.choices(days, weights, k=rows - len(out)):
            # 08:30–18:00, peaking late morning and mid-afternoon.
            minute = 510 + int(rng.triangular(0, 570, rng.choice([120, 400])))
            local = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(
                minutes=minute, seconds=rng.randint(0, 59)
            )
            at = local.astimezone(UTC)
            if at <= latest:
                out.append(at)
    out.sort()
    return out


def build(rows: int = DEFAULT_ROWS, *, quiet: bool = False) -> dict:
    from deskapp.clock import FrozenClock
    from deskapp.domain.enums import Role
    from deskapp.domain.ticket_number import format_ticket_number
    from deskapp.services.deadlines import refresh_clocks
    from deskapp.services.desk import Desk
    from deskapp.services.staff import list_staff, seed_staff
    from deskapp.services.terminal import init_terminal
    from deskapp.store.models import Complaint, ComplaintEvent, Refund, TicketCounter

    OUT.mkdir(parents=True, exist_ok=True)
    final, manifest = db_path(rows), manifest_path(rows)
    tmp = final.with_name(final.name + ".building")
    drop_copy(tmp)
    manifest.unlink(missing_ok=True)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(SEED)
    tz = ZoneInfo(TZ)
    clock = FrozenClock(now - timedelta(days=365 * YEARS + 1))
    desk = Desk.open(tmp, clock=clock)
    try:
        init_terminal(desk, HALL, TERMINAL, TZ)
        seed_staff(desk, BENCH_ACTOR, [(s.work_no, s.name, Role(s.role), s.pin) for s in STAFF])
        staff = {s.work_no: s.id for s in list_staff(desk)}
        handlers = [staff[s.work_no] for s in STAFF if s.role == "handler"]
        managers = [staff[s.work_no] for s in STAFF if s.role != "handler"]
        causes: dict[str, list[tuple[str, str]]] = {}
        for path in desk.refdata.causes.intake_paths():
            causes.setdefault(path.root, []).append((path.code, path.name))
        roots = [r for r in _CORE if r in causes]
        root_weights = [
            {"NET": 24, "BILLINFO": 18, "NEWBIZ": 14, "TARIFF": 10}.get(r, 6) for r in roots
        ]
        # Most people complain once; a few thousand come back again and again (重复投诉).
        regulars = [_Customer(_name(rng), _phone(rng)) for _ in range(3_000)]
        received = _received_times(rng, rows, now, tz)
        rare_rows = set(rng.sample(range(rows), RARE_COUNT))
        day_seq: Counter[date] = Counter()
        counts: Counter[str] = Counter()
        recent = now - timedelta(days=30)
        for start in range(0, rows, BATCH):
            batch = received[start : start + BATCH]
            clock.set(batch[-1] + timedelta(minutes=10))
            with desk.write(BENCH_ACTOR) as session:
                complaints: list[Complaint] = []
                later: list[ComplaintEvent | Refund] = []
                for offset, received_at in enumerate(batch):
                    i = start + offset
                    customer = (
                        rng.choice(regulars)
                        if rng.random() < 0.25
                        else _Customer(_name(rng), _phone(rng))
                    )
                    registered_at = min(
                        received_at + timedelta(minutes=rng.randint(1, 9)), clock.now()
                    )
                    if rng.random() < 0.02:  # registered late
                        registered_at = min(received_at + timedelta(hours=2), clock.now())
                    day = registered_at.astimezone(tz).date()
                    day_seq[day] += 1
                    ticket = format_ticket_number(HALL, TERMINAL, day, day_seq[day])
                    root = rng.choices(roots, root_weights)[0]
                    cause_code, cause_name = rng.choice(causes[root])
                    content = _content(rng, root, cause_name)
                    if i in rare_rows:
                        content = _RARE_SENTENCE + "。" + content
                    channel = rng.choices([c for c, _ in _CHANNELS], [w for _, w in _CHANNELS])[0]
                    severity = (
                        "major"
                        if channel in _MAJOR_CHANNELS
                        else ("serious" if rng.random() < 0.08 else "general")
                    )
                    on_spot = channel == "walk_in" and rng.random() < 0.45
                    handler = rng.choice(handlers)
                    repeat_of = None
                    last = customer.last_complaint
                    if last is not None and received_at - last[2] <= timedelta(days=30):
                        repeat_of = last
                    promised = (
                        None
                        if on_spot
                        else registered_at + timedelta(days=rng.choice([1, 1, 2, 3]))
                    )
                    if on_spot:
                        status, closed_at = "closed", registered_at
                    elif received_at < recent:
                        status = rng.choices(
                            ["closed", "visited", "open", "replied"], [88, 10, 1, 1]
                        )[0]
                        closed_at = (
                            registered_at + timedelta(hours=rng.randint(2, 240))
                            if status in ("closed", "visited")
                            else None
                        )
                    else:
                        status = rng.choices(
                            ["open", "dispatched", "replied", "closed"], [40, 25, 15, 20]
                        )[0]
                        closed_at = (
                            min(registered_at + timedelta(hours=rng.randint(2, 96)), clock.now())
                            if status == "closed"
                            else None
                        )
                    satisfaction = (
                        rng.choice(["satisfied", "satisfied", "basically_satisfied", "declined"])
                        if closed_at
                        else None
                    )
                    complaint = Complaint(
                        ticket_no=ticket,
                        hall_code=HALL,
                        terminal_code=TERMINAL,
                        received_at=received_at,
                        registered_at=registered_at,
                        channel=channel,
                        customer_name=customer.name,
                        contact_phone=customer.phone,
                        phone_last4=customer.phone.replace("-", "")[-4:],
                        service_number=customer.phone,
                        content=content,
                        demand=rng.choice(_DEMANDS[root]),
                        cause_code=cause_code,
                        severity=severity,
                        accused_staff_id=(
                            rng.choice(handlers) if root == "HALL" and rng.random() < 0.3 else None
                        ),
                        no_fault=root == "HALL" and rng.random() < 0.2,
                        difficult_customer=rng.random() < 0.03,
                        is_repeat=repeat_of is not None,
                        repeat_of_id=repeat_of[0] if repeat_of else None,
                        first_responder_id=handler,
                        owner_id=handler if rng.random() < 0.95 else rng.choice(managers),
                        status=status,
                        solved_on_spot=on_spot,
                        promised_reply_at=promised,
                        outcome=rng.choice(_OUTCOMES) if closed_at else "",
                        satisfaction=satisfaction,
                        closed_at=closed_at,
                        created_by=handler,
                        updated_at=closed_at or registered_at,
                    )
                    customer.last_complaint = (complaint.id, ticket, received_at)
                    complaints.append(complaint)
                    counts[status] += 1
                    later.append(
                        _event(
                            complaint,
                            "registered",
                            handler,
                            registered_at,
                            {
                                "channel": channel,
                                "severity": severity,
                                "registered_late": registered_at - received_at
                                > timedelta(minutes=10),
                            },
                        )
                    )
                    if repeat_of:
                        counts["repeat"] += 1
                        later.append(
                            _event(
                                complaint,
                                "repeat_linked",
                                handler,
                                registered_at,
                                {"repeat_of": repeat_of[0], "repeat_of_ticket": repeat_of[1]},
                            )
                        )
                    if promised:
                        later.append(
                            _event(
                                complaint,
                                "promise",
                                handler,
                                registered_at,
                                {"due": promised.isoformat()},
                            )
                        )
                    if on_spot and root == "BILLINFO" and rng.random() < 0.3:
                        charged = rng.choice([3000, 4800, 5800, 8800])
                        refund = Refund(
                            complaint_id=complaint.id,
                            charged_fen=charged,
                            should_have_charged_fen=charged - 1000,
                            rule_amount_fen=2000,
                            amount_fen=2000,
                            method="account_credit",
                            verified_by=handler,
                            verified_at=registered_at,
                            created_by=handler,
                        )
                        counts["refund"] += 1
                        later.append(refund)
                        later.append(
                            _event(
                                complaint,
                                "refund",
                                handler,
                                registered_at,
                                {
                                    "refund_id": refund.id,
                                    "amount_fen": 2000,
                                    "method": "account_credit",
                                },
                            )
                        )
                    if closed_at:
                        later.append(
                            _event(
                                complaint,
                                "closed",
                                handler,
                                closed_at,
                                {"on_spot": on_spot, "satisfaction": satisfaction},
                                note=complaint.outcome,
                            )
                        )
                session.add_all(complaints)
                session.flush()  # complaints before the rows that point at them
                session.add_all(later)
                session.flush()
                # Open complaints are on the clocks, as the intake service leaves them.
                for complaint in complaints:
                    if complaint.status not in ("closed", "visited"):
                        refresh_clocks(session, desk, complaint)
                for day in {c.registered_at.astimezone(tz).date() for c in complaints}:
                    session.merge(TicketCounter(day=f"{day:%Y%m%d}", last_seq=day_seq[day]))
            if not quiet:
                done = start + len(batch)
                print(
                    f"make_db: {done:>7,} / {rows:,} complaints  "
                    f"({time.perf_counter() - started:.1f} s)",
                    flush=True,
                )
    finally:
        desk.close()
    with sqlite3.connect(tmp) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        table_counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("complaint", "complaint_event", "refund", "change_log", "staff")
        }
        common_hits = conn.execute(
            "SELECT count(*) FROM complaint WHERE instr(content, ?) > 0", (COMMON_WORD,)
        ).fetchone()[0]
        on_clocks = conn.execute(
            "SELECT count(*) FROM complaint WHERE next_due_at IS NOT NULL"
        ).fetchone()[0]
        rare_hits = conn.execute(
            "SELECT count(*) FROM complaint WHERE instr(content, ?) > 0", (RARE_WORD,)
        ).fetchone()[0]
    seconds = time.perf_counter() - started
    drop_copy(final)
    tmp.rename(final)
    drop_copy(tmp)
    data = {
        "key": expected_key(rows),
        "built_at": now.isoformat(),
        "seconds": seconds,
        "bytes": final.stat().st_size,
        "tables": table_counts,
        "statuses": {k: v for k, v in counts.items() if k not in ("repeat", "refund")},
        "repeats": counts["repeat"],
        "on_clocks": on_clocks,
        "refunds": counts["refund"],
        "common_word": COMMON_WORD,
        "common_word_rows": common_hits,
        "rare_word": RARE_WORD,
        "rare_word_rows": rare_hits,
        "signin": {"work_no": SIGNIN.work_no, "pin": SIGNIN.pin},
        "machine": machine_info(),
        "reused": False,
    }
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    if not quiet:
        print(
            f"make_db: built {final} in {seconds:.1f} s: {table_counts}, "
            f"{final.stat().st_size / 2**20:.0f} MiB"
        )
    return data


def _event(complaint, kind: str, actor: str, at: datetime, data: dict, note: str = ""):
    from deskapp.store.models import ComplaintEvent

    return ComplaintEvent(
        complaint_id=complaint.id,
        kind=kind,
        at=at,
        actor_id=actor,
        note=note,
        data=json.dumps(data, ensure_ascii=False),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--force", action="store_true", help="rebuild even if a match exists")
    args = parser.parse_args()
    ensure_db(args.rows, force=args.force)


if __name__ == "__main__":
    main()
