"""评价报告: report assembly, PDF/XLSX rendering, review and issuance."""
