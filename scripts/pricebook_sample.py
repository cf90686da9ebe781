"""Write a realistic pricebook CSV in the import's format; the same seed gives the same file.

    .venv/bin/python scripts/pricebook_sample.py -o sample.csv      (1,500 models, ~30,000 rows)
    .venv/bin/python scripts/pricebook_sample.py --models 8 \
        -o pricebook/samples/pricebook-sample.csv                   (the file users download)

Models start with the starter catalogue and go on with generated ones across makes and
categories; prices, bench times and part costs follow pricebook/sample.py. Without -o the file
goes to standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1500, help="device models (default 1500)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()  # for the catalogue and the CSV format; no database is needed
    from pricebook.sample import sample_csv

    text = sample_csv(models=args.models, seed=args.seed)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8", newline="")
        rows = text.count("\n") - 1
        print(f"{args.output}: {rows:,} rows, {args.models:,} models", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
