"""Autogenerate an Alembic revision against a scratch SQLite database upgraded to head.

    .venv/bin/python scripts/new_migration.py "add widgets"
"""

import asyncio
import re
import sys
import tempfile
from pathlib import Path

from alembic import command

from domain.db import make_engine
from domain.migrate import MIGRATIONS, alembic_config, upgrade

PORTABLE_TYPES = {
    r"domain\.models\.base\.UTCDateTime\([^)]*\)": "sa.DateTime(timezone=True)",
    r"domain\.models\.base\.Money\([^)]*\)": "sa.Numeric(14, 4)",
}


async def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp}/scratch.db")
        await upgrade(engine)
        config = alembic_config()

        def revise(connection: object) -> None:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)

        async with engine.begin() as conn:
            await conn.run_sync(revise)
        await engine.dispose()
    newest = max((MIGRATIONS / "versions").glob("*.py"), key=lambda p: p.stat().st_mtime)
    text = newest.read_text()
    for pattern, replacement in PORTABLE_TYPES.items():
        text = re.sub(pattern, replacement, text)
    newest.write_text(text.replace("import domain.models.base\n", ""))
    print(f"wrote {newest.relative_to(Path.cwd())}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "change"))
