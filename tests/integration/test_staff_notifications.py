"""Staff notifications on the real broker and store: notification keeps identity's officer directory from
`staff.changed` (the newest seq wins), officers hear of their cases by SMS and email in their language, one on
leave gets no SMS, a retired one nothing, and the daily digest goes out once per person a day."""
import pytest

from services.notification.service import NotificationService
from services.notification.staff_store import StaffStore
from shared.config import database_name
from tests.integration.receivers import MailSink
from tests.integration.staff_events import Publisher, staff
from tests.integration.waiting import wait_for


@pytest.fixture
def mail_sink(tmp_path):
    sink = MailSink(tmp_path / "mail")
    yield sink
    sink.stop()


@pytest.fixture
def notification(platform_config, runner_factory, mail_sink):
    """The notification service alone, its SMTP at the test's sink, no quiet hours, quick retries."""
    def start(**settings):
        platform_config.update({"SMTP_PORT": mail_sink.port, "NOTIFY_QUIET_START_HOUR": 0,
                                "NOTIFY_QUIET_END_HOUR": 0, "NOTIFY_RETRY_BASE_SECONDS": 0.2,
                                "NOTIFY_RETRY_MAX_SECONDS": 0.5, **settings})
        runner = runner_factory(dict(platform_config), NotificationService)
        runner.start()
        return runner
    return start


@pytest.fixture
def staff_store(mongo_client, platform_config):
    return StaffStore(mongo_client[database_name(platform_config, "notification")])


@pytest.fixture
def publish(platform_config):
    return Publisher(platform_config)


def test_the_directory_keeps_the_newest_record_of_each_staff_member(notification, publish, staff_store):
    notification()
    publish.staff_changed(staff("officer-rina", seq=2, mobile="9830000002", email="rina@wb.gov.in", language="bn"))
    wait_for(lambda: staff_store.staff("officer-rina"), what="the directory entry")
    late = publish.staff_changed(staff("officer-rina", seq=1, mobile="9830000001", language="en"))
    publish.staff_changed(staff("officer-amit", seq=1, email="amit@wb.gov.in", language="hi"))
    wait_for(lambda: staff_store.staff("officer-amit"), what="the second entry")
    publish._publisher("identity").publish(late)  # a replay of the older one
    publish.staff_changed(staff("officer-amit", seq=3, email="amit@wb.gov.in", language="hi", state="retired"))
    amit = wait_for(lambda: (lambda s: s if s and s["seq"] == 3 else None)(staff_store.staff("officer-amit")),
                    what="the retirement")
    assert amit["status"]["state"] == "retired"
    rina = staff_store.staff("officer-rina")
    assert rina["seq"] == 2 and rina["contacts"] == {"mobile": "9830000002", "email": "rina@wb.gov.in",
                                                     "language": "bn"}
