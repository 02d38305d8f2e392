"""`python -m bot.cli …` is `dealroom …`."""

import sys

from bot.cli.dealroom import main

sys.exit(main())
