"""When a message may go: quiet hours at night for non-urgent SMS, retries with exponential backoff and
jitter, per-recipient rate limits. Pure: the time and the random source are passed in."""
import random
from datetime import datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30))
QUIET_HOURS = (21, 8)  # 21:00-08:00 India Standard Time; (start, end) whole hours, start == end: none


def in_quiet_hours(now, hours=QUIET_HOURS):
    start, end = hours
    hour = now.astimezone(IST).hour
    if start == end:
        return False
    return start <= hour < end if start < end else (hour >= start or hour < end)


def quiet_hours_end(now, hours=QUIET_HOURS):
    """When the quiet hours `now` falls in end (in UTC)."""
    local = now.astimezone(IST)
    end = local.replace(hour=hours[1] % 24, minute=0, second=0, microsecond=0)
    if hours[1] == 24 or end <= local:
        end += timedelta(days=1)
    return end.astimezone(timezone.utc)


def send_after(now, channel, urgent, quiet_hours_on=True, hours=QUIET_HOURS):
    """When a message planned now may first be sent: non-urgent SMS wait out the night (deferred, not
    dropped); everything else goes at once."""
    if channel == "sms" and not urgent and quiet_hours_on and in_quiet_hours(now, hours):
        return quiet_hours_end(now, hours)
    return now


def backoff(attempt, base, cap, rand=random.random):
    """Seconds before retry number `attempt` (1 after the first failure): exponential, capped, with
    "equal jitter" (half fixed, half random) so retries of many messages spread out."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay / 2 + rand() * delay / 2


def retry_or_give_up(attempts, max_attempts):
    """After `attempts` failed tries: 'retry' or 'dead_letter'."""
    return "retry" if attempts < max_attempts else "dead_letter"


def rate_window(now, seconds):
    """The start of the fixed window `now` falls in, and the start of the next one."""
    epoch = int(now.timestamp())
    start = epoch - epoch % seconds
    return (datetime.fromtimestamp(start, timezone.utc), datetime.fromtimestamp(start + seconds, timezone.utc))


def rate_limited(sent_in_window, limit, urgent):
    """Whether one more message to a recipient in this window is over its limit (urgent ones never are)."""
    return not urgent and sent_in_window > limit


def held_until(sent_in_window, limit, window_end, window_seconds):
    """Where a message over its recipient's limit waits: the first window with room for it, counting the ones
    held before it (with a limit of 10, the 11th to 20th of a window wait for the next one, the 21st to 30th
    for the one after), so a burst goes a window's worth at a time. Holding every one for the next window
    tried each of them again in every window until it went: a burst of n cost about n * n / limit tries."""
    windows_ahead = max(0, (sent_in_window - limit - 1) // limit)
    return window_end + timedelta(seconds=windows_ahead * window_seconds)
