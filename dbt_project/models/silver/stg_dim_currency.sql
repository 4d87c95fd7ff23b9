{{ config(dist='all', sort=['partition_date']) }}

-- Grain: one row per currency (currency_id) per extract day (partition_date), typed. Reference data
-- comes with every day's files; incremental by window like the facts (delete the window's days,
-- insert them), and gold dim_currency keeps each key's row from the latest extract day loaded.
-- Rows breaking a rule are in quarantine_dim_currency instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_currencies') }},

valid as (

    select * from dim_currencies__validated
    where quarantine_reason is null

),

renamed as (

    select
        currency_id__typed as currency_id,
        currency_code__typed as currency_code,
        currency_name__typed as currency_name,
        usd_exchange_rate__typed as usd_exchange_rate,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
