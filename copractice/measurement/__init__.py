"""Measuring co-production: surveys, paired course evaluation, self-assessment, co-agreed standards, impact,
equality monitoring, and the small-number suppression every report shares."""
