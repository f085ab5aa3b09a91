"""The import's column vocabulary: the documented columns and the other headers taken for
them, and the words taken for a channel, severity, status, satisfaction or yes / no
(docs/import.md). Matching folds width, spaces and case."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from deskapp.domain.enums import Channel, Satisfaction, Severity, Status
from deskapp.i18n import catalogue


@dataclass(frozen=True)
class ImportColumn:
    field: str
    header: str  # the documented Chinese header
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("received_at", "受理时间", True, ("received_at", "受理日期", "投诉时间")),
    ImportColumn("channel", "渠道", True, ("channel", "投诉渠道", "来源渠道")),
    ImportColumn("customer_name", "客户姓名", True, ("customer_name", "客户名称", "姓名")),
    ImportColumn("contact_phone", "联系电话", True, ("contact_phone", "联系号码", "电话")),
    ImportColumn("service_number", "业务号码", False, ("service_number", "受理号码")),
    ImportColumn("content", "投诉内容", True, ("content", "内容")),
    ImportColumn("demand", "客户诉求", False, ("demand", "诉求")),
    ImportColumn("category", "投诉类别", True, ("category", "投诉原因", "原因", "类别")),
    ImportColumn("severity", "投诉级别", False, ("severity", "级别")),
    ImportColumn("severity_reason", "降级理由", False, ("severity_reason",)),
    ImportColumn("area", "片区", False, ("area", "区域")),
    ImportColumn("hall", "营业厅", False, ("hall", "营业厅代码", "厅")),
    ImportColumn("status", "状态", False, ("status", "工单状态", "处理状态")),
    ImportColumn("closed_at", "结案时间", False, ("closed_at", "办结时间")),
    ImportColumn("outcome", "处理结果", False, ("outcome", "处理结论")),
    ImportColumn("satisfaction", "满意度", False, ("satisfaction", "客户满意度")),
    ImportColumn("solved_on_spot", "现场解决", False, ("solved_on_spot", "是否现场解决")),
    ImportColumn("promised_reply_at", "承诺回复时间", False, ("promised_reply_at",)),
    ImportColumn("external_no", "外部工单号", False, ("external_no", "工单号", "原工单号")),
    ImportColumn("source", "来源系统", False, ("source", "系统")),
    ImportColumn("owner_work_no", "处理人工号", False, ("owner_work_no", "处理人", "工号")),
    ImportColumn("is_batch", "批量投诉", False, ("is_batch", "是否批量")),
)
BY_FIELD = {c.field: c for c in COLUMNS}


@lru_cache(maxsize=4096, typed=True)  # a file's channels, statuses... are a few words
def _fold(text: str) -> str:
    """Header and value matching: NFKC (full-width → ASCII), no spaces or * marks, lower.
    Remembered: every row of a large import asks it of the same few words (issue 22)."""
    return re.sub(r"[\s*＊\ufeff]+", "", unicodedata.normalize("NFKC", str(text))).lower()


_HEADERS = {_fold(name): c.field for c in COLUMNS for name in (c.header, *c.aliases)}


# ------------------------------------------------------------------------------- vocabulary


def _vocabulary(prefix: str, codes: list[str], extra: dict[str, str]) -> dict[str, str]:
    zh = catalogue("zh")
    words = {_fold(code): code for code in codes}
    words.update({_fold(zh[f"{prefix}.{c}"]): c for c in codes if f"{prefix}.{c}" in zh})
    words.update({_fold(k): v for k, v in extra.items()})
    return words


CHANNELS = _vocabulary(
    "channel",
    [c.value for c in Channel],
    {"10086": "hotline", "热线": "hotline", "消委会": "consumer_association",
     "消保委": "consumer_association", "工信部": "regulator", "通管局": "regulator",
     "来信": "letter_visit", "来访": "letter_visit", "网上": "online", "营业厅": "walk_in"},
)  # fmt: skip
SEVERITIES = _vocabulary(
    "severity", [s.value for s in Severity], {"橙色": "serious", "红色": "major"}
)
STATUSES = _vocabulary(
    "status",
    [Status.OPEN.value, Status.CLOSED.value, Status.VISITED.value],
    {"未结案": "open", "待处理": "open", "结案": "closed", "已办结": "closed", "已回访": "visited"},
)
SATISFACTIONS = _vocabulary(
    "satisfaction",
    [s.value for s in Satisfaction],
    {"未表态": "declined", "一般满意": "basically_satisfied"},
)
YES = {_fold(v) for v in ("是", "y", "yes", "true", "1", "√", "✓")}
NO = {_fold(v) for v in ("否", "n", "no", "false", "0", "")}
