"""Reports for managers: programme indicators, journal and feedback exports, XLSX streaming, charts."""
