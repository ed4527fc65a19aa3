from services.identity.main import run

run()
