from incident_ledger.cli.main import run

run()
