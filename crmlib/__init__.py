"""crmlib：《客户关系管理》课程的小型分析库。

所有公开函数都在这个扁平的命名空间里（``crmlib.load_dataset``、``crmlib.rfm_table`` ……），
实现分散在按概念划分的小模块中。导入 crmlib 没有副作用：不改 matplotlib 设置、不读文件、不打印。
"""
from ._validation import CRMInputError, CRMMissingColumnError
from .datasets import describe_dataset, list_datasets, load_dataset
from .plotting import CHINESE_FONT_FAMILY, plot_bar, plot_process, use_chinese_font
from .development import (PERSONALITY_TACTICS, PRICING_TACTICS, acquisition_cost, dominant_personality,
                          funnel_table, plot_funnel, qualify_prospects, stage_counts)
from .objections import (HANDLING_METHODS, OBJECTION_KEYWORDS, OBJECTION_NATURES, OBJECTION_TYPES,
                         classification_accuracy, classify_objections, confusion_table, method_success_rates,
                         plot_confusion, plot_success_rates, success_rate_intervals, suggest_method)
from .tiers import (LEAD_GRADES, PYRAMID_TIERS, RFM_SEGMENTS, abc_classes, customer_pyramid, lead_grade,
                    lead_grade_checks, pareto_table, plot_pareto, plot_pyramid, pyramid_summary, rfm_scores,
                    rfm_table, top_share, visit_plan, weighted_grade)
from .selection import (attractiveness_score, bad_customer_flags, customer_profit, plot_profit_bars,
                        plot_profit_waterfall, plot_revenue_profit, plot_whale_curve, segment_summary)
from .retention import (LIFECYCLE_PATTERNS, LIFECYCLE_STAGES, VALUE_MATRIX_STRATEGIES, clv_table,
                        customer_lifetime_value, lifecycle_path, lifecycle_pattern, lifecycle_stage,
                        plot_sbg, plot_value_matrix, sbg_curve, sbg_fit, selling_economics, simulate_winback,
                        value_matrix)
from .churn import (bgnbd_fit, bgnbd_predict, btyd_summary, churn_rate, churn_status, cohort_table,
                    interval_anomaly, period_churn, plot_cohort_heatmap, plot_prob_alive_matrix,
                    plot_reasons_pareto, prob_alive, reasons_pareto, retention_rate)

__version__ = "0.1.0"

# 每个概念模块的公开函数都在这里汇总；新模块加一行 import 并把名字加进 __all__。
__all__ = [
    "CRMInputError", "CRMMissingColumnError",
    "describe_dataset", "list_datasets", "load_dataset",
    "CHINESE_FONT_FAMILY", "plot_bar", "plot_process", "use_chinese_font",
    "PERSONALITY_TACTICS", "PRICING_TACTICS", "acquisition_cost", "dominant_personality", "funnel_table",
    "plot_funnel", "qualify_prospects", "stage_counts",
    "HANDLING_METHODS", "OBJECTION_KEYWORDS", "OBJECTION_NATURES", "OBJECTION_TYPES", "classification_accuracy",
    "classify_objections", "confusion_table", "method_success_rates", "plot_confusion", "plot_success_rates",
    "success_rate_intervals", "suggest_method",
    "attractiveness_score", "bad_customer_flags", "customer_profit", "segment_summary",
    "plot_profit_bars", "plot_profit_waterfall", "plot_revenue_profit", "plot_whale_curve",
    "LEAD_GRADES", "PYRAMID_TIERS", "RFM_SEGMENTS", "abc_classes", "customer_pyramid", "lead_grade",
    "lead_grade_checks", "pareto_table", "plot_pareto", "plot_pyramid", "pyramid_summary", "rfm_scores",
    "rfm_table", "top_share", "visit_plan", "weighted_grade",
    "LIFECYCLE_PATTERNS", "LIFECYCLE_STAGES", "VALUE_MATRIX_STRATEGIES", "clv_table", "customer_lifetime_value",
    "lifecycle_path", "lifecycle_pattern", "lifecycle_stage", "plot_sbg", "plot_value_matrix", "sbg_curve",
    "sbg_fit", "selling_economics", "simulate_winback", "value_matrix",
    "bgnbd_fit", "bgnbd_predict", "btyd_summary", "churn_rate", "churn_status", "cohort_table", "interval_anomaly", "period_churn",
    "plot_cohort_heatmap", "plot_prob_alive_matrix", "plot_reasons_pareto", "prob_alive", "reasons_pareto", "retention_rate",
]
