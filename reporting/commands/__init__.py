"""Click commands, one module per stage; each parses options, calls one library function, prints."""

from . import zh

zh.install()  # before any command is declared: click looks some of its texts up then
