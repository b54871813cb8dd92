-- CarTRisk cohort summary: the sufficient statistics of the safety report, one row per
-- (product, days, cause, transgene) with the number of patients. Feed the rows to CohortSummary.FromCounts.
-- {cohort} is a relation with the cohort CSV's columns (docs/cohort-schema.md): a DuckDB read_csv/read_parquet call,
-- or a table or view in any warehouse. Dates may be DATE or yyyy-MM-dd text. Rules (docs/cohort-schema.md):
--   the end of follow-up is the malignancy date, else the death date, else the last follow-up date;
--   cause 1 = malignancy, 2 = death without malignancy, 0 = censored; a transgene result counts only for a malignancy.
-- Portable SQL except the day difference: DuckDB and PostgreSQL subtract dates to days as written below;
-- Spark SQL: datediff(end_date, infusion_date); SQL Server: DATEDIFF(day, infusion_date, end_date);
-- Oracle: end_date - infusion_date; BigQuery: DATE_DIFF(end_date, infusion_date, DAY).
WITH typed AS (
    SELECT
        COALESCE(CAST(product AS VARCHAR), '(missing)')                 AS product,
        CAST(infusion_date AS DATE)                                     AS infusion_date,
        COALESCE(CAST(malignancy_date AS DATE), CAST(death_date AS DATE), CAST(last_followup_date AS DATE)) AS end_date,
        CASE WHEN malignancy_date IS NOT NULL THEN 1
             WHEN death_date IS NOT NULL THEN 2
             ELSE 0 END                                                 AS cause,
        CASE WHEN malignancy_date IS NOT NULL AND CAST(transgene AS VARCHAR) IN ('positive', 'negative')
             THEN CAST(transgene AS VARCHAR) ELSE 'not_tested' END       AS transgene
    FROM {cohort}
)
SELECT product, (end_date - infusion_date) AS days, cause, transgene, COUNT(*) AS n
FROM typed
GROUP BY product, (end_date - infusion_date), cause, transgene
ORDER BY product, days, cause, transgene
