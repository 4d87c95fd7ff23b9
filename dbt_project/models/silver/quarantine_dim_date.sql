{{ config(materialized='table') }}

-- Grain: one row per bronze row of dim_dates that breaks a rule: its raw text
-- columns and quarantine_reason (the first failing rule, naming column and value).
-- Together with stg_dim_date it accounts for every bronze row exactly once.

with

{{ bronze_validation_ctes('dim_dates') }},

final as (

    select
        {{ bronze_column_list('dim_dates') }},
        quarantine_reason
    from dim_dates__validated
    where quarantine_reason is not null

)

select * from final
