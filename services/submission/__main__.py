from services.submission.main import run

run()
