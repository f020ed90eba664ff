"""Finance-bureau portal: issued reports, dashboards across engagements and years, 结果应用 tracking."""
