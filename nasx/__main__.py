from nasx.cli.main import entry

entry()
