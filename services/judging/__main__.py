from services.judging.main import run

run()
