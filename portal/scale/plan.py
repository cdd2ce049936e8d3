"""How big the city is and how it is shared out, from the command's options.

The shares follow issue 11's measurements: the demo street grows to about 80 compounds (its
administrator sees ~40k requests in scope), 安居物业 — demo_manager's company — serves about 40 more
(~20k requests), and 和平社区 — demo_worker's and demo_secretary's community — gets a dozen more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULTS = {"compounds": 2000, "households": 500_000, "requests": 1_000_000}
#: compounds in each of the other streets' communities, and communities per street, on average
COMPOUNDS_PER_COMMUNITY = 17
COMMUNITIES_PER_STREET = 8
#: compounds per new community of the demo street
DEMO_COMMUNITY_SIZE = 7


@dataclass(frozen=True)
class Plan:
    compounds: int
    households: int
    requests: int
    seed: int

    @classmethod
    def from_options(cls, *, compounds: int | None, households: int | None, requests: int | None,
                     scale: float, seed: int) -> Plan:
        """Each number given explicitly wins; the others are the defaults times `scale`."""
        def pick(name: str, given: int | None, least: int) -> int:
            return given if given is not None else max(least, round(DEFAULTS[name] * scale))
        return cls(compounds=pick("compounds", compounds, 1), households=pick("households", households, 1),
                   requests=pick("requests", requests, 0), seed=seed)

    @property
    def heping_extra(self) -> int:
        """New compounds in 和平社区 (the demo secretary's and worker's community)."""
        return max(1, round(self.compounds * 0.006))

    @property
    def demo_street_new(self) -> int:
        """Compounds in the demo street's new communities."""
        return min(max(1, round(self.compounds * 0.035)), self.compounds - self.heping_extra)

    @property
    def demo_street_communities(self) -> int:
        return math.ceil(self.demo_street_new / DEMO_COMMUNITY_SIZE) if self.demo_street_new else 0

    @property
    def rest(self) -> int:
        """Compounds in the other streets."""
        return max(0, self.compounds - self.heping_extra - self.demo_street_new)

    @property
    def streets(self) -> int:
        per_street = COMPOUNDS_PER_COMMUNITY * COMMUNITIES_PER_STREET
        return math.ceil(self.rest / per_street) if self.rest else 0

    @property
    def companies(self) -> int:
        """New property companies (the demo has three)."""
        return max(2, round(self.compounds * 0.075))

    @property
    def anju_compounds(self) -> int:
        """City compounds 安居物业 (demo_manager's company) serves besides its four demo ones."""
        return max(1, round(self.compounds * 0.02))
