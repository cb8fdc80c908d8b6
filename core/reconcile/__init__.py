"""Reconciliation and exports for finance."""

from core.reconcile.exports import export_csv, export_json, export_xlsx
from core.reconcile.reports import Period, Reconciliation

__all__ = ["Period", "Reconciliation", "export_csv", "export_json", "export_xlsx"]
