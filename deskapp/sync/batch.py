"""How many changes one push or pull of a synchronization carries: the desk's own
synchronization and `deskapp sync` use the same (a light module, so the command line can show
it without loading the synchronization)."""

DEFAULT_BATCH = 2000
