{{ config(materialized='table') }}

-- Grain: one row per bronze row of dim_investment_types that breaks a rule: its raw text
-- columns and quarantine_reason (the first failing rule, naming column and value).
-- Together with stg_dim_investment_type it accounts for every bronze row exactly once.

with

{{ bronze_validation_ctes('dim_investment_types') }},

final as (

    select
        {{ bronze_column_list('dim_investment_types') }},
        quarantine_reason
    from dim_investment_types__validated
    where quarantine_reason is not null

)

select * from final
