-- Grain: one row per bronze row of fact_loans that breaks a rule (per extract day, dt): its raw
-- text columns, dt and quarantine_reason (the first failing rule, naming column and value).
-- Together with stg_fact_loan it accounts for every bronze row exactly once.

{{ quarantined_rows('fact_loans') }}
