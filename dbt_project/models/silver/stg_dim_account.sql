{{ config(dist='account_id', sort=['account_id', 'partition_date']) }}

-- Grain: one row per account (account_id) per extract day (partition_date), typed: each day's full
-- extract as the bank sent it, versions repeated day after day. Incremental by window (the
-- folder's pre-hook deletes the window's days, then they are inserted again), so reloading a day
-- replaces everything it contributed, a spurious version included; gold dim_account derives the
-- SCD2 versions from all loaded days.
-- Rows breaking a rule are in quarantine_dim_account instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_accounts') }},

valid as (

    select * from dim_accounts__validated
    where quarantine_reason is null

),

renamed as (

    select
        account_id__typed as account_id,
        customer_id__typed as customer_id,
        account_type__typed as account_type,
        currency_id__typed as currency_id,
        account_status__typed as account_status,
        open_date__typed as open_date,
        updated_at__typed as updated_at,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
