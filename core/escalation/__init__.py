"""Escalation: reports, cases in the managers' inbox, warnings and conflict signals."""

from core.escalation.feature import Escalation
from core.escalation.heat import HeatDetector
from core.escalation.lexicon import LexiconDetector
from core.escalation.policy import EscalationPolicy, Threshold
from core.escalation.signals import Detector, Severity, Signal

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
