"""指标体系: framework templates, engagement indicator trees, targets (绩效目标), the pure scoring engine."""
