"""评分: gathers declared and verified values (materials, cross-checks, analysis), applies the engine in
`indicators/`, stores scores with rationale and evidence, and builds the score sheet pages, PDF and Excel use."""
