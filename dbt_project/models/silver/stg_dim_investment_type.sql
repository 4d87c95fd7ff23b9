{{ config(dist='all', sort=['partition_date']) }}

-- Grain: one row per investment type (investment_type_id) per extract day (partition_date), typed. Reference data
-- comes with every day's files; incremental by window like the facts (delete the window's days,
-- insert them), and gold dim_investment_type keeps each key's row from the latest extract day loaded.
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
        risk_level__typed as risk_level,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
