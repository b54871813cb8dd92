-- CarTRisk cohort checks: the row rules of docs/cohort-schema.md that decide the counts, as one row per broken rule
-- (rule, rows breaking it, one patient_id as an example). Run before cohort-summary.sql; an empty result means the
-- summary can be trusted. {cohort} as in cohort-summary.sql; text columns are read as text (all_varchar) so a bad date
-- is caught here, not silently turned into NULL.
WITH c AS (
    SELECT
        CAST(patient_id AS VARCHAR) AS id,
        CAST(infusion_date AS VARCHAR) AS inf_text, CAST(last_followup_date AS VARCHAR) AS last_text,
        CAST(malignancy_date AS VARCHAR) AS mal_text, CAST(death_date AS VARCHAR) AS death_text,
        TRY_CAST(infusion_date AS DATE) AS inf, TRY_CAST(last_followup_date AS DATE) AS last_fu,
        TRY_CAST(malignancy_date AS DATE) AS mal, TRY_CAST(death_date AS DATE) AS death,
        CAST(transgene AS VARCHAR) AS transgene, CAST(malignancy_type AS VARCHAR) AS mal_type,
        CAST(product AS VARCHAR) AS product
    FROM {cohort}
),
broken AS (
    SELECT 'patient_id is missing or empty' AS rule, id FROM c WHERE id IS NULL OR id = ''
    UNION ALL SELECT 'infusion_date or last_followup_date is missing', id FROM c WHERE inf_text IS NULL OR last_text IS NULL
    UNION ALL SELECT 'a date is not yyyy-MM-dd', id FROM c
        WHERE (inf_text IS NOT NULL AND (inf IS NULL OR NOT regexp_full_match(inf_text, '\d{4}-\d{2}-\d{2}')))
           OR (last_text IS NOT NULL AND (last_fu IS NULL OR NOT regexp_full_match(last_text, '\d{4}-\d{2}-\d{2}')))
           OR (mal_text IS NOT NULL AND (mal IS NULL OR NOT regexp_full_match(mal_text, '\d{4}-\d{2}-\d{2}')))
           OR (death_text IS NOT NULL AND (death IS NULL OR NOT regexp_full_match(death_text, '\d{4}-\d{2}-\d{2}')))
    UNION ALL SELECT 'last follow-up, malignancy or death before infusion', id FROM c WHERE last_fu < inf OR mal < inf OR death < inf
    UNION ALL SELECT 'a malignancy after death', id FROM c WHERE mal > death
    UNION ALL SELECT 'a malignancy after the last follow-up date', id FROM c WHERE mal > last_fu
    UNION ALL SELECT 'transgene or malignancy_type on a row without a malignancy date', id FROM c
        WHERE mal_text IS NULL AND (transgene IN ('positive', 'negative') OR mal_type IS NOT NULL)
    UNION ALL SELECT 'transgene outside positive, negative, not_tested', id FROM c
        WHERE transgene IS NOT NULL AND transgene NOT IN ('positive', 'negative', 'not_tested')
    UNION ALL SELECT 'a date more than 120 years after infusion', id FROM c
        WHERE GREATEST(last_fu, COALESCE(mal, last_fu), COALESCE(death, last_fu)) > inf + INTERVAL 120 YEAR
    UNION ALL SELECT 'product ''(missing)'' is the label of records without a product', id FROM c WHERE product = '(missing)'
    UNION ALL SELECT 'a repeated patient_id', id FROM (SELECT id, COUNT(*) AS k FROM c GROUP BY id) WHERE k > 1
)
SELECT rule, COUNT(*) AS n, MIN(id) AS example FROM broken GROUP BY rule ORDER BY rule
