"""A database dropped while its collections are being written must not take the store down. A CI run lost
its FerretDB so: a test dropped its databases while services still wrote to them, and FerretDB died of SIGBUS
(scripts/infra/ferretdb.sh, fix 5; tests/conftest.py `after_services`). On a FerretDB of the test's own."""
import subprocess
import sys

from shared.health import UP, check_mongo_uri
from shared.mongo import connect
from tests.integration.drop_load import DATABASE

SECONDS = 20  # the build without fix 5 died in 11 runs of this load of 12, 10 times within 5 s (2026-12-01)


def test_databases_dropped_while_written_leave_the_server_up_and_keeping_writes(private_ferretdb):
    subprocess.run([sys.executable, "-m", "tests.integration.drop_load", private_ferretdb.uri, str(SECONDS)],
                   check=True, timeout=SECONDS + 60)
    process = private_ferretdb.process
    assert process.poll() is None, f"FerretDB exited with {process.returncode} while databases were dropped"
    assert check_mongo_uri(private_ferretdb.uri, timeout=2)["status"] == UP

    # a database dropped and made again under the same name keeps what is written to it afterwards
    client = connect(private_ferretdb.uri)
    client.drop_database(DATABASE)
    collection = client[DATABASE].after
    collection.insert_many([{"n": n} for n in range(100)])
    collection.update_many({}, {"$set": {"kept": True}})
    assert collection.count_documents({"kept": True}) == 100
    client.close()
