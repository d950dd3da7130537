"""Click commands, one module per stage; each parses options, calls one library function, prints."""
