{{ config(dist='account_id', sort=['partition_date']) }}

-- Grain: one row per transaction (transaction_id), typed. Incremental by window: the folder's pre-hook deletes the
-- window's days, then the window's bronze partitions are inserted again, so reloading a day replaces it.
-- Rows breaking a rule are in quarantine_fact_transaction instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('fact_transactions') }},

valid as (

    select * from fact_transactions__validated
    where quarantine_reason is null

),

renamed as (

    select
        transaction_id__typed as transaction_id,
        account_id__typed as account_id,
        date_id__typed as date_id,
        transaction_timestamp__typed as transaction_timestamp,
        channel_id__typed as channel_id,
        location_id__typed as location_id,
        currency_id__typed as currency_id,
        transaction_type_id__typed as transaction_type_id,
        transaction_amount__typed as transaction_amount,
        transaction_status__typed as transaction_status,
        description__typed as description,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
