"""Put every case filed before complainants' own lists existed (GET /api/v1/me/grievances) on its
complainant's list: `python -m services.intake.list_existing_cases`, once after upgrading; running it again
changes nothing. It works on intake's own database directly, like the intake service itself."""
from services.intake.domain.grievance import complainant_key
from services.intake.storage import GrievanceStore
from shared.config import database_name, load_config
from shared.mongo import connect


def list_existing_cases(database):
    return GrievanceStore(database).list_existing_cases(lambda case: complainant_key(case.get("complainant")))


def main():
    config = load_config()
    client = connect(config["MONGO_URI"])
    try:
        listed = list_existing_cases(client[database_name(config, "intake")])
    finally:
        client.close()
    print(f"{listed} cases put on their complainants' lists")


if __name__ == "__main__":
    main()
