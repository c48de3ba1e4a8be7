"""Seed the example workshop with plausible replies and votes, to try the digest without Slack.

    roundtable db upgrade
    roundtable workshop load examples/industrial-strategy.toml --allow-past
    python examples/seed_demo.py
    roundtable digest industrial-strategy --format html -o digest.html

(`roundtable demo` does all of this in a throwaway directory in one command.) It marks the example's
questions as posted and its polls as closed, as if the roundtable had run in May 2017, then stores the
answers, the (anonymous, pre/post paired) votes and reasons, and the weigh-in views of bot/demo/answers.py.
Run it once per database.
"""

import sys

from bot.demo.seed import SeedError, seed_example
from bot.runtime.settings import load_settings
from storage.db import Database


def main() -> int:
    settings = load_settings()
    db = Database.from_url(settings.database_url)
    try:
        answers = seed_example(db, settings.voter_secret())
    except SeedError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(
        f"seeded industrial-strategy with {answers} answers to 3 questions, votes in the pre/post poll pair"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
