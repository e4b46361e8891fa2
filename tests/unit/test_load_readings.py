"""Routing's readings of officers' loads for picking (services/routing/load_readings.py)."""
from services.routing.load_readings import LoadReadings


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_reading_serves_until_it_is_a_second_old():
    clock = Clock()
    readings = LoadReadings(fresh_seconds=1.0, clock=clock)
    assert readings.get("o-1") is None
    readings.read("o-1", 4, readings.stamp())
    clock.now += 0.9
    assert readings.get("o-1") == 4
    clock.now += 0.1
    assert readings.get("o-1") is None


def test_an_update_of_the_counter_wins_over_a_read_that_began_before_it():
    readings = LoadReadings(clock=Clock())
    stamp = readings.stamp()        # a read of the store begins
    readings.changed("o-1", 5)      # meanwhile this process's update returns 5
    readings.read("o-1", 4, stamp)  # the read answers with the count before the update
    assert readings.get("o-1") == 5
    readings.read("o-1", 6, readings.stamp())  # a read begun after the update is newer
    assert readings.get("o-1") == 6


def test_without_freshness_every_load_is_read():
    readings = LoadReadings(fresh_seconds=0, clock=Clock())
    readings.changed("o-1", 3)
    assert readings.get("o-1") is None
