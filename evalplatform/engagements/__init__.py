"""评价项目: engagements, team, sites and the status workflow."""
