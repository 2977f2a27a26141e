"""Abuse screening: observable shopper history, the risk detector, and a population to measure it on."""

from optimizer.screening.detector import RiskAssessment, Signal, assess
from optimizer.screening.history import History, PastReturn, Purchase

__all__ = ["History", "PastReturn", "Purchase", "RiskAssessment", "Signal", "assess"]
