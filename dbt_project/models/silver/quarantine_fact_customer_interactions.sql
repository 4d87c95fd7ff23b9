{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_window('dt') }}",
        tags=['daily'],
        meta={'window_column': 'dt'},
    )
}}

-- Grain: one row per bronze row of fact_customer_interactions that breaks a rule (per day, dt): its raw text
-- columns, dt and quarantine_reason (the first failing rule, naming column and value).
-- Together with stg_fact_customer_interactions it accounts for every bronze row exactly once.

{{ quarantined_rows('fact_customer_interactions') }}
