"""The command line: parses arguments, calls the library, prints."""

EXIT_USER_ERROR = 2  # bad input: one clear line on stderr
EXIT_INTERRUPTED = 130  # Ctrl-C; what finished is saved
