"""Field work (现场勘查): checklists of kind 'checklist', offline inspection runs and their record sheets."""
