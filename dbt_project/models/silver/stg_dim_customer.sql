{{ config(dist='customer_id', sort=['customer_id', 'partition_date']) }}

-- Grain: one row per customer (customer_id) per extract day (partition_date), typed: each day's full
-- extract as the bank sent it, versions repeated day after day. Incremental by window (the
-- folder's pre-hook deletes the window's days, then they are inserted again), so reloading a day
-- replaces everything it contributed, a spurious version included; gold dim_customer derives the
-- SCD2 versions from all loaded days.
-- Rows breaking a rule are in quarantine_dim_customer instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_customers') }},

valid as (

    select * from dim_customers__validated
    where quarantine_reason is null

),

renamed as (

    select
        customer_id__typed as customer_id,
        first_name__typed as first_name,
        last_name__typed as last_name,
        email__typed as email,
        phone__typed as phone,
        date_of_birth__typed as date_of_birth,
        address__typed as address,
        city__typed as city,
        state__typed as state,
        country__typed as country,
        customer_segment__typed as customer_segment,
        join_date__typed as join_date,
        updated_at__typed as updated_at,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
