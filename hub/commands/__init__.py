"""One module per ``eldercare`` subcommand: ``add_arguments(parser)`` and ``run(args)``."""
