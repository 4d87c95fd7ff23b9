{{ config(dist='customer_id', sort=['partition_date']) }}

-- Grain: one row per investment (investment_id), typed. Incremental by window: the folder's pre-hook deletes the
-- window's days, then the window's bronze partitions are inserted again, so reloading a day replaces it.
-- Rows breaking a rule are in quarantine_fact_investment instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('fact_investments') }},

valid as (

    select * from fact_investments__validated
    where quarantine_reason is null

),

renamed as (

    select
        investment_id__typed as investment_id,
        customer_id__typed as customer_id,
        account_id__typed as account_id,
        investment_type_id__typed as investment_type_id,
        date_id__typed as date_id,
        investment_amount__typed as investment_amount,
        investment_return__typed as investment_return,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
