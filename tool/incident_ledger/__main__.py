from incident_ledger.launch import run

run()
