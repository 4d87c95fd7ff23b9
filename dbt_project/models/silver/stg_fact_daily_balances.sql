{{ config(dist='account_id', sort=['partition_date']) }}

-- Grain: one row per account and day (account_id, date_id), typed. Incremental by window: the folder's pre-hook deletes the
-- window's days, then the window's bronze partitions are inserted again, so reloading a day replaces it.
-- Rows breaking a rule are in quarantine_fact_daily_balances instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('fact_daily_balances') }},

valid as (

    select * from fact_daily_balances__validated
    where quarantine_reason is null

),

renamed as (

    select
        account_id__typed as account_id,
        date_id__typed as date_id,
        currency_id__typed as currency_id,
        opening_balance__typed as opening_balance,
        total_credits__typed as total_credits,
        total_debits__typed as total_debits,
        closing_balance__typed as closing_balance,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
