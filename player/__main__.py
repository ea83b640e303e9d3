import sys

from player.cli import run

sys.exit(run())
