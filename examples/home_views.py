"""Write each role's App Home for the seeded example as Block Kit JSON (paste into Block Kit Builder).

    python examples/seed_demo.py            # after loading examples/industrial-strategy.toml
    python examples/home_views.py docs/     # docs/app-home-organiser.json, -chair.json, -participant.json

The views are computed as the bot computes them, on 15 May 2017 at 15:00 London time (the live session).
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.home import blocks as home_blocks
from bot.home import service as home
from bot.runtime.deps import build_deps
from bot.runtime.settings import load_settings

ROLES = {"organiser": "U0123ABCD", "chair": "U0456EFGH", "participant": "U0BBB2222"}
DURING_THE_SESSION = datetime(2017, 5, 15, 14, 0, tzinfo=UTC)
TEAM_URL = "https://example-policy-institute.slack.com/"


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    deps = build_deps(load_settings())
    deps.clock = lambda: DURING_THE_SESSION
    try:
        for role, user_id in ROLES.items():
            view = home_blocks.home_view(home.gather(deps, user_id, TEAM_URL))
            path = target / f"app-home-{role}.json"
            path.write_text(json.dumps({"blocks": view["blocks"]}, indent=2, ensure_ascii=False) + "\n")
            print(f"wrote {path} ({len(view['blocks'])} blocks)")
    finally:
        deps.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
