"""Checks on when things happened, shared by the sending tests."""


def max_in_window(times: list[float], span: float = 1.0) -> int:
    """The most events that fell within any `span` seconds: what a rate limit counts."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= span:
            start += 1
        best = max(best, end - start + 1)
    return best
