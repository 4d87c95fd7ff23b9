{{ config(materialized='table', dist='all') }}

-- Grain: one row per investment type (investment_type_id), typed. Reference data: rebuilt whole on every run.
-- Rows breaking a rule are in quarantine_dim_investment_type instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_investment_types') }},

valid as (

    select * from dim_investment_types__validated
    where quarantine_reason is null

),

renamed as (

    select
        investment_type_id__typed as investment_type_id,
        investment_type_name__typed as investment_type_name,
        risk_level__typed as risk_level
    from valid

),

final as (

    select * from renamed

)

select * from final
