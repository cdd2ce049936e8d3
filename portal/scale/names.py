"""Names for a generated city: streets, communities, compounds, companies, people and phone numbers.

Names are unique where the schema asks for it (a community within its street, a compound within its
community, a building within its compound); phone numbers of accounts are unique across the city and
start with 15–19, so they never meet the demo's 13x numbers.
"""

from __future__ import annotations

import random

from portal.demo import GIVEN, SURNAMES

STREETS = ("东湖街道", "西溪街道", "南山街道", "北关街道", "文汇街道", "长庆街道", "朝晖街道", "湖滨街道",
           "清波街道", "紫阳街道", "凯旋街道", "采荷街道", "闸弄口街道", "四季青街道", "笕桥街道", "彭埠街道",
           "九堡街道", "丁桥街道", "半山街道", "康桥街道")
PLACE_WORDS = ("春晖", "秋涛", "明珠", "金桥", "绿洲", "望江", "南苑", "北星", "东园", "西湖", "新城", "天水",
               "景芳", "三里", "红梅", "青年", "胜利", "东方", "华丰", "枫林", "云河", "青松", "白云", "宝善",
               "兴隆", "德胜", "永安", "长寿", "育才", "建设", "丰收", "友谊", "团结", "阳光", "锦华", "玉泉")
COMPOUND_WORDS = ("花园", "家园", "苑", "小区", "新村", "华庭", "公寓", "名邸", "雅苑", "府", "里", "嘉园", "城")
COMPANY_WORDS = ("绿城", "金盾", "恒信", "佳宁", "瑞丰", "鸿运", "康居", "优家", "盛世", "嘉和", "宜家", "星辰",
                 "和美", "阳明", "君安", "福满", "泰和", "锦程", "诚信", "安泰")


class Names:
    """Unique names per scope, drawn from a seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._phone = 0

    def person(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def street(self, number: int, taken: set[str]) -> str:
        name = STREETS[number] if number < len(STREETS) else f"第{number + 1}街道"
        return _unique(name, taken)

    def community(self, taken: set[str]) -> str:
        return _unique(self.rng.choice(PLACE_WORDS) + "社区", taken)

    def compound(self, taken: set[str]) -> str:
        return _unique(self.rng.choice(PLACE_WORDS) + self.rng.choice(COMPOUND_WORDS), taken)

    def company(self, taken: set[str]) -> str:
        return _unique(self.rng.choice(COMPANY_WORDS) + "物业服务有限公司", taken)

    def account_phone(self) -> str:
        """A unique mobile number for an account: 15x–19x, counted up."""
        self._phone += 1
        return f"1{5 + self._phone // 10**9 % 5}{self._phone % 10**9:09d}"

    def owner_phone(self) -> str:
        """A registered owner's number: not an account, so it need not be unique."""
        return f"1{self.rng.choice('5789')}{self.rng.randrange(10**9):09d}"


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name` with a number before its last word when it is taken ("春晖2社区")."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name[:2]}{number}{name[2:]}"
    taken.add(candidate)
    return candidate
