"""Escalation: reports, cases in the managers' inbox, warnings and conflict signals."""

from townsquare.core.escalation.feature import Escalation
from townsquare.core.escalation.heat import HeatDetector
from townsquare.core.escalation.lexicon import LexiconDetector
from townsquare.core.escalation.policy import EscalationPolicy, Threshold
from townsquare.core.escalation.signals import Detector, Severity, Signal

__all__ = [
    "Detector",
    "Escalation",
    "EscalationPolicy",
    "HeatDetector",
    "LexiconDetector",
    "Severity",
    "Signal",
    "Threshold",
]
