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

-- Grain: one row per bronze row of fact_transactions that breaks a rule (per day, dt): its raw text
-- columns, dt and quarantine_reason (the first failing rule, naming column and value).
-- Together with stg_fact_transaction it accounts for every bronze row exactly once.

with

{{ bronze_validation_ctes('fact_transactions') }},

final as (

    select
        {{ bronze_column_list('fact_transactions') }},
        dt,
        quarantine_reason
    from fact_transactions__validated
    where quarantine_reason is not null

)

select * from final
