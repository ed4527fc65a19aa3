from services.adoption.main import run

run()
