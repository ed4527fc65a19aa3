from services.awards.main import run

run()
