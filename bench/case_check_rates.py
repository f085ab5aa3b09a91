"""How often the case page's check (`find_personal_data`, issue 18) lets a person's name through
and refuses ordinary text, on a fixed corpus (the attack on case18g wrote it):

- names: 150 common full names (the ~75 most common surnames, two each, with common male and
  female given names of one and two characters) and 12 with compound surnames, each in three
  of nine sentences a manager writes about a case, with no title, label or relation word next
  to the name and nothing of the ticket known: 486 sentences. A sentence with no finding is a
  miss.
- titled: the 20 most common surnames with each of six ways a customer or a staff member is
  called besides 先生/女士 (阿姨, 大爷, 大姐, 师傅, 经理, 主任), each in three sentences: 360
  sentences, nothing of the ticket known.
- ordinary: bench/data/case_ordinary_lessons.txt, 120 lessons with no personal data (service
  language, places, devices, times, amounts, posts). A sentence with a finding is a false
  refusal, listed.

Not a speed: the rates are what docs/benchmarks.md and the README's "what the check cannot
know" quote.

    python -m bench.case_check_rates"""

from __future__ import annotations

from pathlib import Path

from deskapp.domain.cases import find_personal_data

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE_TEXT = (
    "伟 强 磊 军 洋 勇 杰 涛 明 超 刚 平 建华 建国 志强 子轩 浩然 宇轩 佳豪 俊杰 国强 志明 家豪 "
    "伟明 德华 海波 文斌 晓东 永刚 振宇 鹏飞 思远 建军 立新 卫东 明辉 俊峰 天佑 嘉诚 国平"
)
GIVEN_FEMALE_TEXT = (
    "芳 娜 敏 静 丽 艳 娟 霞 秀英 秀兰 桂英 梓涵 欣怡 一诺 雨萱 思琪 晓燕 丽娟 海燕 文静 婷婷 "
    "玉兰 桂芳 红梅 嘉欣 淑珍 美玲 惠敏 雪梅 春花 金凤 晓红 丽华 燕妮 雅琪 诗涵 佩珊 慧玲 紫薇 凤英"
)
COMPOUND = ("欧阳", "上官", "司马", "诸葛", "东方", "皇甫", "慕容", "令狐", "尉迟", "公孙", "端木",
            "夏侯")  # fmt: skip
TEMPLATES = (
    "当天{X}在窗口等了两个小时",
    "{X}反映宽带经常断线",
    "后来{X}对处理结果表示满意",
    "{X}第二次来厅时情绪比较激动",
    "值班经理当场向{X}道歉并说明原因",
    "我们三天内给{X}回访了两次",
    "{X}认为套餐资费没有讲清楚",
    "这次投诉中{X}要求退还多扣的话费",
    "装维人员上门时{X}不在家",
)
TITLES = ("阿姨", "大爷", "大姐", "师傅", "经理", "主任")
ORDINARY = Path(__file__).parent / "data" / "case_ordinary_lessons.txt"


def names() -> list[str]:
    pairs = zip(GIVEN_MALE_TEXT.split(), GIVEN_FEMALE_TEXT.split(), strict=True)
    givens = [given for pair in pairs for given in pair]
    found: list[str] = []
    for i, surname in enumerate(SURNAMES):
        for j in range(2):
            name = surname + givens[(i * 7 + j * 13) % len(givens)]
            if name not in found:
                found.append(name)
        if len(found) >= 150:
            break
    return found + [c + givens[(i * 5 + 3) % len(givens)] for i, c in enumerate(COMPOUND)]


def main() -> None:
    rows = [
        (name, template.format(X=name))
        for i, name in enumerate(names())
        for template in (TEMPLATES[i % 9], TEMPLATES[(i + 3) % 9], TEMPLATES[(i + 6) % 9])
    ]
    missed = [(name, text) for name, text in rows if not find_personal_data(text)]
    kinds: dict[str, list[int]] = {}
    for name, text in rows:
        kind = "compound" if name[:2] in COMPOUND else f"{len(name)} characters"
        counts = kinds.setdefault(kind, [0, 0])
        counts[0] += 1
        counts[1] += (name, text) in missed
    print(f"names: {len(missed)} of {len(rows)} sentences with no finding "
          f"({100 * len(missed) / len(rows):.1f}%)")  # fmt: skip
    for kind, (total, miss) in kinds.items():
        print(f"  {kind}: {miss} of {total} ({100 * miss / total:.1f}%)")
    print("  missed names:", " ".join(dict.fromkeys(name for name, _ in missed)))
    titled = [
        (title, template.format(X=surname + title))
        for title in TITLES
        for i, surname in enumerate(SURNAMES[:20])
        for template in (TEMPLATES[i % 9], TEMPLATES[(i + 3) % 9], TEMPLATES[(i + 6) % 9])
    ]
    through = [(title, text) for title, text in titled if not find_personal_data(text)]
    print(f"titled: {len(through)} of {len(titled)} sentences with no finding "
          f"({100 * len(through) / len(titled):.1f}%)")  # fmt: skip
    for title in TITLES:
        missed_here = [text for t, text in through if t == title]
        print(f"  {title}: {len(missed_here)} of {len(titled) // len(TITLES)}"
              + (f"  ({'; '.join(missed_here[:3])})" if missed_here else ""))  # fmt: skip
    lessons = [line.strip() for line in ORDINARY.read_text(encoding="utf-8").splitlines()]
    lessons = [line for line in lessons if line]
    refused = [(text, [f.found for f in find_personal_data(text)]) for text in lessons]
    refused = [(text, found) for text, found in refused if found]
    print(f"ordinary: {len(refused)} of {len(lessons)} lessons refused "
          f"({100 * len(refused) / len(lessons):.1f}%)")  # fmt: skip
    for text, found in refused:
        print(f"  {text}  ← {'、'.join(found)}")


if __name__ == "__main__":
    main()
