"""`python -m bot`: the same as the `hromada-bot` command."""

from bot.cli import main

if __name__ == "__main__":
    main()
