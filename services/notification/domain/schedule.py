"""When a message may go: quiet hours at night for non-urgent SMS, retries with exponential backoff and
jitter, per-recipient rate limits. Pure: the time and the random source are passed in."""
import random
from datetime import datetime, time, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30))
QUIET_START, QUIET_END = time(21, 0), time(8, 0)  # 21:00-08:00 India Standard Time


def in_quiet_hours(now):
    local = now.astimezone(IST).time()
    return local >= QUIET_START or local < QUIET_END


def quiet_hours_end(now):
    """The next 08:00 IST after `now` (in UTC)."""
    local = now.astimezone(IST)
    end = local.replace(hour=QUIET_END.hour, minute=0, second=0, microsecond=0)
    if local.time() >= QUIET_END:
        end += timedelta(days=1)
    return end.astimezone(timezone.utc)


def send_after(now, channel, urgent, quiet_hours_on=True):
    """When a message planned now may first be sent: non-urgent SMS wait out the night (deferred, not
    dropped); everything else goes at once."""
    if channel == "sms" and not urgent and quiet_hours_on and in_quiet_hours(now):
        return quiet_hours_end(now)
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
