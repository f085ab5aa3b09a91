"""The closed vocabularies of the desk. Stored by their English code; shown through the
string catalogue (deskapp/locales), so renaming a label never touches a record."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    HANDLER = "handler"  # 投诉处理员
    DUTY_MANAGER = "duty_manager"  # 值班经理
    HALL_MANAGER = "hall_manager"  # 厅经理
    QA_MANAGER = "qa_manager"  # 客服质量监控经理: supervises 严重 and above
    SERVICE_HEAD = "service_head"  # 客户服务部负责人: supervises 重大


class Channel(StrEnum):
    WALK_IN = "walk_in"  # 现场
    HOTLINE = "hotline"  # 10086下单
    OPINION_BOOK = "opinion_book"  # 意见簿
    PHONE = "phone"  # 电话
    LETTER_VISIT = "letter_visit"  # 来信来访
    ONLINE = "online"  # 网上
    CONSUMER_ASSOCIATION = "consumer_association"  # 消保委/消委会
    REGULATOR = "regulator"  # 工信部/通管局
    MEDIA = "media"  # 媒体


class ClaimedTo(StrEnum):
    """声称升级: where the customer says they will take the complaint."""

    HEAD_OFFICE = "head_office"  # 上级公司
    HOTLINE_COMPLAINTS = "hotline_complaints"  # 10086 投诉专线
    CONSUMER_HOTLINE = "consumer_hotline"  # 12315
    REGULATOR = "regulator"  # 工信部/通管局
    MEDIA = "media"  # 媒体


class Severity(StrEnum):
    """投诉级别. Ordered: compare with `rank`."""

    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重 (orange)
    MAJOR = "major"  # 重大 (red)

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.GENERAL: 1, Severity.SERIOUS: 2, Severity.MAJOR: 3}


class Status(StrEnum):
    OPEN = "open"  # 处理中
    DISPATCHED = "dispatched"  # 已派单
    REPLIED = "replied"  # 部门已回复
    CLOSED = "closed"  # 已结案
    VISITED = "visited"  # 已回访


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意
    DECLINED = "declined"  # 客户未表态


class RefundMethod(StrEnum):
    ACCOUNT_CREDIT = "account_credit"  # 账户充值 (the default: 账户充值为主)
    CASH = "cash"  # 现金
