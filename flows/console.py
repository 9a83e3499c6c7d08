"""rich's Console for the commands' own output.

rich ends the process with exit status 1 when the reader of a pipe goes away (`boilerclean review
DIR | head`); here that is a broken pipe, which the command line ends as a SIGPIPE'd tool does (141).
"""

from __future__ import annotations

from rich.console import Console as RichConsole


class Console(RichConsole):
    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError
