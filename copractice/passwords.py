"""Is a new password worth having? (ASVS 2.1, NIST 800-63B: length and a check against common passwords,
no composition rules such as "a capital and a symbol".)

The check is offline: zxcvbn's frequency lists (common passwords, names, words, keyboard patterns)
and its estimate of how many guesses a password would take.
"""
import re

from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 256
# zxcvbn's score runs from 0 (guessed at once) to 4; below 2 falls to an online attack that is slowed down.
MIN_SCORE = 2
# zxcvbn looks at this much of a password; a longer one is at least as strong as its beginning.
CHECKED_LENGTH = 100
# zxcvbn warnings that mean "this is on the lists of passwords people use most".
COMMON_WARNINGS = ("This is a top-10 common password.", "This is a top-100 common password.",
                   "This is a very common password.")

ADVICE = "Try three random words, like 'teapot lantern river'."


def password_problem(password, user_inputs=()):
    """A plain-English reason to refuse ``password``, or None when it is fine.

    ``user_inputs`` are things about the person (email, name) a password should not be built from.
    """
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters long. {ADVICE}"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer."
    inputs = ["copractice"]
    for value in user_inputs:
        value = str(value or "").lower()
        words = [w for w in re.split(r"[^\w]+", value) if len(w) > 1]
        inputs += [value, "".join(words)] + words if value else []
    result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=inputs)
    if result["feedback"]["warning"] in COMMON_WARNINGS:
        return f"That password is one of the most common, so it is easy to guess. {ADVICE}"
    if result["score"] < MIN_SCORE:
        return f"That password would be easy to guess. {ADVICE}"
    return None
