from marquee.cli.main import run

run()
