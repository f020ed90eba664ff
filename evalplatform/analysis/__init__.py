"""满意度统计分析: survey statistics on a responses DataFrame (contract in ``analysis.contract``), charts, export."""

from .contract import Question
from .service import Analysis, Filters, SurveyData, SurveyScore, analyse, satisfaction_for_scoring

__all__ = ["Analysis", "Filters", "Question", "SurveyData", "SurveyScore", "analyse", "satisfaction_for_scoring"]
